//! Placeholder until the provider schema snapshot lands.
