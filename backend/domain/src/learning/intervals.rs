//! Watched intervals: the parts of a video a learner actually played, in media milliseconds.
//!
//! A set of intervals is kept sorted and disjoint (touching intervals are joined), so adding
//! a report twice, or reports in any order, gives the same set, and the watched time is the
//! measure of the union: it never exceeds the video's length and never counts a second twice.
//! Half-open: `[start, end)`.

/// `[start_ms, end_ms)`.
pub type Interval = (i64, i64);

/// Clips `raw` to `[0, duration_ms]`, drops empty or inverted intervals, and returns the union
/// sorted and disjoint.
pub fn normalise(raw: &[Interval], duration_ms: i64) -> Vec<Interval> {
    let mut v: Vec<Interval> = raw
        .iter()
        .map(|&(s, e)| (s.clamp(0, duration_ms), e.clamp(0, duration_ms)))
        .filter(|(s, e)| s < e)
        .collect();
    v.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The total length of a sorted, disjoint set.
pub fn total(set: &[Interval]) -> i64 {
    set.iter().map(|(s, e)| e - s).sum()
}

/// The parts of `new` (normalised) that `set` (normalised) does not cover, in order.
pub fn uncovered(set: &[Interval], new: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut i = 0;
    for &(mut s, e) in new {
        while i < set.len() && set[i].1 <= s {
            i += 1;
        }
        let mut j = i;
        while s < e {
            match set.get(j) {
                Some(&(cs, ce)) if cs < e => {
                    if s < cs {
                        out.push((s, cs));
                    }
                    s = s.max(ce);
                    j += 1;
                }
                _ => {
                    out.push((s, e));
                    break;
                }
            }
        }
    }
    out
}

/// What adding a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The new set.
    pub set: Vec<Interval>,
    /// Milliseconds newly counted.
    pub added_ms: i64,
    /// Milliseconds reported as new but refused because they came faster than real time allows.
    pub refused_ms: i64,
}

/// Adds a report to `set`, counting at most `budget_ms` of newly watched time (earliest first):
/// a learner cannot have watched more media time than the wall-clock time since their last
/// report allows at the fastest speed offered.
pub fn add(set: &[Interval], report: &[Interval], duration_ms: i64, budget_ms: i64) -> Added {
    let report = normalise(report, duration_ms);
    let fresh = uncovered(set, &report);
    let mut budget = budget_ms.max(0);
    let mut credited = Vec::with_capacity(fresh.len());
    let mut refused_ms = 0;
    for (s, e) in fresh {
        let len = e - s;
        if budget >= len {
            credited.push((s, e));
            budget -= len;
        } else {
            if budget > 0 {
                credited.push((s, s + budget));
            }
            refused_ms += len - budget;
            budget = 0;
        }
    }
    let added_ms = total(&credited);
    let mut all = set.to_vec();
    all.extend(credited);
    Added {
        set: normalise(&all, duration_ms),
        added_ms,
        refused_ms,
    }
}

/// Reads a stored set (JSON `[[s, e], ...]`); anything unreadable is an empty set.
pub fn from_json(s: &str) -> Vec<Interval> {
    serde_json::from_str::<Vec<Interval>>(s).unwrap_or_default()
}

pub fn to_json(set: &[Interval]) -> String {
    serde_json::to_string(set).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference: a bitmap of covered milliseconds.
    fn covered(reports: &[Interval], duration: i64) -> Vec<bool> {
        let mut bits = vec![false; duration as usize];
        for &(s, e) in reports {
            for t in s.max(0)..e.min(duration) {
                bits[t as usize] = true;
            }
        }
        bits
    }

    #[test]
    fn joins_touching_and_overlapping() {
        assert_eq!(
            normalise(&[(10, 20), (0, 10), (15, 30), (40, 50)], 100),
            vec![(0, 30), (40, 50)]
        );
        assert_eq!(
            normalise(&[(-5, 5), (90, 200), (7, 7), (9, 3)], 100),
            vec![(0, 5), (90, 100)]
        );
    }

    #[test]
    fn uncovered_parts_in_order() {
        let set = [(10, 20), (30, 40)];
        assert_eq!(
            uncovered(&set, &[(0, 50)]),
            vec![(0, 10), (20, 30), (40, 50)]
        );
        assert_eq!(uncovered(&set, &[(12, 18)]), vec![]);
        assert_eq!(uncovered(&set, &[(15, 35)]), vec![(20, 30)]);
    }

    #[test]
    fn budget_counts_earliest_first() {
        let a = add(&[], &[(0, 10_000), (20_000, 30_000)], 60_000, 15_000);
        assert_eq!(a.added_ms, 15_000);
        assert_eq!(a.refused_ms, 5_000);
        assert_eq!(a.set, vec![(0, 10_000), (20_000, 25_000)]);
        // Re-reporting what is already counted costs nothing.
        let b = add(&a.set, &[(0, 10_000)], 60_000, 0);
        assert_eq!((b.added_ms, b.refused_ms), (0, 0));
    }

    fn reports() -> impl Strategy<Value = Vec<Interval>> {
        prop::collection::vec((-50i64..1_100, 0i64..300), 0..30)
            .prop_map(|v| v.into_iter().map(|(s, len)| (s, s + len)).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The merged set is exactly the union of the reports, clipped to the video.
        #[test]
        fn merge_equals_union(reports in reports(), duration in 1i64..1_000) {
            let set = normalise(&reports, duration);
            let bits = covered(&reports, duration);
            prop_assert_eq!(total(&set), bits.iter().filter(|b| **b).count() as i64);
            prop_assert_eq!(covered(&set, duration), bits);
            prop_assert!(total(&set) <= duration);
            for w in set.windows(2) {
                prop_assert!(w[0].1 < w[1].0, "sorted, disjoint, not touching");
            }
        }

        /// Reports applied one by one, duplicated and reordered, give the same set and the
        /// same watched time as the union: nothing counts twice.
        #[test]
        fn order_and_duplicates_do_not_matter(
            reports in reports(),
            duration in 1i64..1_000,
            seed in any::<u64>(),
        ) {
            use rand::{SeedableRng, seq::SliceRandom};
            let mut shuffled: Vec<Interval> = reports.iter().chain(reports.iter()).copied().collect();
            shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
            let mut set = Vec::new();
            let mut counted = 0;
            for r in &shuffled {
                let a = add(&set, &[*r], duration, i64::MAX);
                counted += a.added_ms;
                set = a.set;
            }
            prop_assert_eq!(&set, &normalise(&reports, duration));
            prop_assert_eq!(counted, total(&set));
        }

        /// A budget never lets more through than it allows, and what it lets through is
        /// part of the report.
        #[test]
        fn budget_is_respected(
            before in reports(),
            report in reports(),
            duration in 1i64..1_000,
            budget in 0i64..400,
        ) {
            let set = normalise(&before, duration);
            let a = add(&set, &report, duration, budget);
            prop_assert!(a.added_ms <= budget);
            prop_assert_eq!(total(&a.set), total(&set) + a.added_ms);
            let fresh = total(&uncovered(&set, &normalise(&report, duration)));
            prop_assert_eq!(a.added_ms + a.refused_ms, fresh);
            let bits = covered(&a.set, duration);
            let allowed = covered(&[set.clone(), normalise(&report, duration)].concat(), duration);
            for (t, b) in bits.iter().enumerate() {
                prop_assert!(!b || allowed[t]);
            }
        }
    }
}
