//! Did-you-mean suggestions for misspelled keys, environments and variants.

/// The candidate closest to `given` within an edit distance of 3, if any; else one that
/// `given` is the start of (`stage` for `stage_name`), for givens of 3 characters or more.
pub(crate) fn closest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    candidates
        .iter()
        .map(|candidate| (edit_distance(given, candidate), *candidate))
        .filter(|(distance, candidate)| {
            *distance <= 3 && *distance < candidate.chars().count().max(2)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
        .or_else(|| {
            candidates
                .iter()
                .filter(|candidate| given.chars().count() >= 3 && candidate.starts_with(given))
                .min_by_key(|candidate| candidate.len())
                .copied()
        })
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            closest("memroy_mb", ["memory_mb", "timeout_s"]),
            Some("memory_mb")
        );
        assert_eq!(
            closest("stagin", ["dev", "staging", "prod"]),
            Some("staging")
        );
        assert_eq!(closest("zzzzzzzz", ["dev", "prod"]), None);
        assert_eq!(
            closest("stage", ["stage_name", "authorization"]),
            Some("stage_name")
        );
        assert_eq!(closest("st", ["stage_name"]), None);
    }
}
