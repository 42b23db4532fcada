//! A module registry for published packages: a folder of static files in the registry
//! protocol's layout ([`site`]), and an HTTPS server for it ([`serve`]).

pub(crate) mod serve;
pub(crate) mod site;
