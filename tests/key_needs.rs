//! "This key needs that one", worded once: every key that means something only beside
//! another (or beside one value of another) is refused with the same message and help,
//! pinned here in full for each pair.

use crate::support::Project;

const PROJECT: &str = "[project]\nname = \"tap\"\nregion = \"us-east-1\"\n";

/// `tapgen terraform --all` on `PROJECT` and `extra` exits 2, writes nothing, and prints
/// exactly `stderr`.
fn refused_with(extra: &str, stderr: &str) {
    let project = Project::with_config(&format!("{PROJECT}{extra}"));
    let refusal = project.refuses(&["terraform", "--all"]);
    assert_eq!(refusal.stderr, stderr);
    assert!(refusal.stdout.is_empty(), "{}", refusal.stdout);
}

#[test]
fn a_domain_key_without_a_domain_name_is_refused_as_needing_it() {
    refused_with(
        "[api.domain]\nzone_id = \"Z0123456789ABCDEFGHIJ\"\n",
        "\
error: `api.domain.zone_id` is set, but `api.domain.name`, which it needs, is not
 --> tapgen.toml:5:11 (key `api.domain.zone_id`)
  |
5 | zone_id = \"Z0123456789ABCDEFGHIJ\"
  |           ^^^^^^^^^^^^^^^^^^^^^^^
  = help: set `api.domain.name` as well, or remove `api.domain.zone_id`
",
    );
}

/// Each key set without the name is reported where it is set, not only the first.
#[test]
fn every_domain_key_set_without_a_name_is_reported_at_its_own_line() {
    refused_with(
        "[api.domain]\nzone_id = \"Z0123456789ABCDEFGHIJ\"\nbase_path = \"v1\"\n",
        "\
error: `api.domain.zone_id` is set, but `api.domain.name`, which it needs, is not
 --> tapgen.toml:5:11 (key `api.domain.zone_id`)
  |
5 | zone_id = \"Z0123456789ABCDEFGHIJ\"
  |           ^^^^^^^^^^^^^^^^^^^^^^^
  = help: set `api.domain.name` as well, or remove `api.domain.zone_id`

error: `api.domain.base_path` is set, but `api.domain.name`, which it needs, is not
 --> tapgen.toml:6:13 (key `api.domain.base_path`)
  |
6 | base_path = \"v1\"
  |             ^^^^
  = help: set `api.domain.name` as well, or remove `api.domain.base_path`

error: could not use `tapgen.toml` due to 2 previous errors
",
    );
}

#[test]
fn a_domain_name_without_a_certificate_is_refused_as_needing_it() {
    refused_with(
        "[api.domain]\nname = \"api.example.com\"\n",
        "\
error: `api.domain.name` is set, but `api.domain.certificate_arn`, which it needs, is not
 --> tapgen.toml:5:8 (key `api.domain.name`)
  |
5 | name = \"api.example.com\"
  |        ^^^^^^^^^^^^^^^^^
  = help: set `api.domain.certificate_arn` as well, or remove `api.domain.name`
",
    );
}

#[test]
fn an_account_session_name_without_a_role_is_refused_as_needing_it() {
    refused_with(
        "[account]\nsession_name = \"tapgen\"\n",
        "\
error: `account.session_name` is set, but `account.assume_role_arn`, which it needs, is not
 --> tapgen.toml:5:16 (key `account.session_name`)
  |
5 | session_name = \"tapgen\"
  |                ^^^^^^^^
  = help: set `account.assume_role_arn` as well, or remove `account.session_name`
",
    );
}

#[test]
fn an_encryption_region_without_a_key_is_refused_as_needing_it() {
    refused_with(
        "[encryption]\nregion = \"us-east-1\"\n",
        "\
error: `encryption.region` is set, but `encryption.kms_key_id`, which it needs, is not
 --> tapgen.toml:5:10 (key `encryption.region`)
  |
5 | region = \"us-east-1\"
  |          ^^^^^^^^^^^
  = help: set `encryption.kms_key_id` as well, or remove `encryption.region`
",
    );
}

/// A key that needs one value of another is worded the same way, with the value.
#[test]
fn a_bucket_key_without_kms_encryption_is_refused_as_needing_it() {
    refused_with(
        "[bucket]\nkms_key_arn = \"arn:aws:kms:us-east-1:123456789012:key/abc\"\n",
        "\
error: `bucket.kms_key_arn` is set, but it needs `bucket.encryption = \"aws:kms\"`, and `bucket.encryption` is `AES256`
 --> tapgen.toml:5:15 (key `bucket.kms_key_arn`)
  |
5 | kms_key_arn = \"arn:aws:kms:us-east-1:123456789012:key/abc\"
  |               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: set `bucket.encryption = \"aws:kms\"`, or remove `bucket.kms_key_arn`
",
    );
}
