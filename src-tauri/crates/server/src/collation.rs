//! Names in the order people expect: the Unicode collation algorithm with
//! the root (and English) ordering, from ICU4X, so "Università di Pisa"
//! comes before "University of Bergen" and case and accents only break
//! ties (as the ICU collator behind DOMjudge's results does).

use std::cmp::Ordering;
use std::sync::OnceLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};

fn collator() -> &'static CollatorBorrowed<'static> {
    static COLLATOR: OnceLock<CollatorBorrowed<'static>> = OnceLock::new();
    COLLATOR.get_or_init(|| {
        Collator::try_new(Default::default(), CollatorOptions::default())
            .expect("the root collation is compiled in")
    })
}

/// Compares two names for display; equal only if they are the same text.
pub fn compare(a: &str, b: &str) -> Ordering {
    collator().compare(a, b).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_only_break_ties() {
        let mut names = vec![
            "University of Bergen",
            "Università di Pisa",
            "birla",
            "BITS-Pilani",
            "Æsir",
            "zebra",
            "Zebra",
        ];
        names.sort_by(|a, b| compare(a, b));
        assert_eq!(
            names,
            vec![
                "Æsir",
                "birla",
                "BITS-Pilani",
                "Università di Pisa",
                "University of Bergen",
                "zebra",
                "Zebra"
            ]
        );
    }
}
