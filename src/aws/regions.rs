//! The AWS regions tapgen accepts, per partition: exactly the ones the oldest aws provider the
//! generated code allows (5.100.0) accepts as `provider "aws" { region = ... }`.
//!
//! Where the list comes from: the region ids of the endpoints data that the provider's
//! `aws-sdk-go-base` library generates from the AWS SDK's partitions model, each then confirmed
//! against the aws provider 5.100.0 binary itself (`tofu plan` of a provider block with that
//! region and no resources; `scripts/check-regions.sh` repeats the check). Regions that newer
//! providers know but 5.100.0 refuses are listed apart, so that tapgen can say why.

use crate::error::Problem;

/// One AWS partition: its id (the second field of an ARN) and its regions.
pub(crate) struct Partition {
    pub id: &'static str,
    pub regions: &'static [&'static str],
}

pub(crate) const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        // AWS Standard
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    },
    Partition {
        id: "aws-cn",
        // AWS China
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        id: "aws-us-gov",
        // AWS GovCloud (US)
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
    Partition {
        id: "aws-eusc",
        // AWS European Sovereign Cloud
        regions: &["eusc-de-east-1"],
    },
    Partition {
        id: "aws-iso",
        // AWS ISO (US)
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        id: "aws-iso-b",
        // AWS ISOB (US)
        regions: &["us-isob-east-1"],
    },
    Partition {
        id: "aws-iso-e",
        // AWS ISOE (Europe)
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        id: "aws-iso-f",
        // AWS ISOF
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
];

/// Regions that exist but that the aws provider 5.100.0 refuses as "invalid AWS Region".
pub(crate) const NEWER_THAN_PROVIDER: &[&str] = &["ap-southeast-6", "us-isob-west-1"];

/// The partition a region belongs to, if tapgen knows the region.
pub(crate) fn partition_of(region: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.regions.contains(&region))
}

/// The partition with this id (`aws`, `aws-cn`, ...).
pub(crate) fn partition(id: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.id == id)
}

/// Every known region, partition by partition.
pub(crate) fn all_regions() -> impl Iterator<Item = &'static str> {
    PARTITIONS.iter().flat_map(|p| p.regions.iter().copied())
}

/// Why `region` can't be used, or `None` when it is known.
pub(crate) fn check(region: &str) -> Option<Problem> {
    if partition_of(region).is_some() {
        return None;
    }
    if NEWER_THAN_PROVIDER.contains(&region) {
        return Some(Problem::RegionTooNew {
            region: region.to_owned(),
        });
    }
    Some(Problem::UnknownRegion {
        region: region.to_owned(),
        closest: crate::suggest::closest(region, all_regions()).map(str::to_owned),
        examples: PARTITIONS[0]
            .regions
            .iter()
            .map(|r| (*r).to_owned())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_is_in_exactly_one_partition() {
        let mut seen = std::collections::BTreeSet::new();
        for region in all_regions() {
            assert!(seen.insert(region), "{region} listed twice");
        }
        assert_eq!(
            partition_of("us-gov-west-1").map(|p| p.id),
            Some("aws-us-gov")
        );
        assert_eq!(partition_of("cn-north-1").map(|p| p.id), Some("aws-cn"));
        for newer in NEWER_THAN_PROVIDER {
            assert!(partition_of(newer).is_none());
        }
    }

    #[test]
    fn unknown_regions_get_a_suggestion() {
        let closest = |region: &str| match check(region) {
            Some(Problem::UnknownRegion { closest, .. }) => closest,
            other => panic!("{region}: {other:?}"),
        };
        assert!(closest("us-east-9").is_some_and(|c| c.starts_with("us-east-")));
        assert!(closest("eu-west-9").is_some_and(|c| c.starts_with("eu-west-")));
        assert_eq!(closest("mars-1"), None);
        assert!(matches!(
            check("mars-1").map(|p| p.help()),
            Some(help) if help.contains("`us-east-1`")
        ));
        assert!(matches!(
            check("ap-southeast-6"),
            Some(Problem::RegionTooNew { .. })
        ));
        assert!(check("eu-central-2").is_none());
    }
}
