//! The playback allowance: how much newly watched video time a learner's reports may count on
//! one module, whatever page view (progress token) they come from.
//!
//! One token bucket per learner and module, stored on its progress row (`budget_from`,
//! `budget_used_ms`): it fills with wall-clock time at the fastest speed the player offers
//! ([`MAX_PLAYBACK_RATE`]), starts with [`SLACK_MS`] for timers and networks that are not
//! exact, holds at most [`ALLOWANCE_CAP_MS`], and every millisecond newly counted empties it
//! by as much. So no report counts video faster than it can have played since the learner's
//! first page view, opening a second page view (a new token) adds nothing, and a learner
//! coming back after a pause of a day may count no more than the cap at once.
//!
//! As stored: the allowance at `now` is `(now - budget_from) × rate + slack - budget_used_ms`,
//! at most the cap. A report that finds it over the cap moves `budget_from` to where the
//! allowance is exactly the cap (and `budget_used_ms` to 0), so that what accrued beyond it is
//! gone; `budget_used_ms` then grows by what the report counted.

use chrono::{DateTime, TimeDelta, Utc};

/// The fastest playback rate the player offers.
pub const MAX_PLAYBACK_RATE: f64 = 2.0;
/// Allowance on top of the rate cap, for timers and networks that are not exact.
pub const SLACK_MS: i64 = 6_000;
/// The longest stretch of wall-clock time whose playback the allowance keeps: the player's
/// longest wait between two attempts to send after failures (60 s), so that a learner whose
/// connection dropped for that long keeps what they played meanwhile.
pub const ALLOWANCE_WINDOW_MS: i64 = 60_000;
/// The most the allowance holds, all a learner may newly count at once after any pause: the
/// slack and [`ALLOWANCE_WINDOW_MS`] of playback at [`MAX_PLAYBACK_RATE`] (126 s).
pub const ALLOWANCE_CAP_MS: i64 =
    SLACK_MS + (ALLOWANCE_WINDOW_MS as f64 * MAX_PLAYBACK_RATE) as i64;

/// A learner's allowance on one module, as their progress row stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Since when it fills (`budget_from`).
    pub from: DateTime<Utc>,
    /// Newly watched time counted against it since `from` (`budget_used_ms`).
    pub used_ms: i64,
}

impl Allowance {
    /// A learner's first allowance on a module: filling since `from` (the issue time of the
    /// page view that first reports, or the moment a quiz created the row), nothing used.
    pub fn starting(from: DateTime<Utc>) -> Self {
        Self { from, used_ms: 0 }
    }

    /// What `now` allows without the cap (negative when the slack is overdrawn).
    fn uncapped_ms(&self, now: DateTime<Utc>) -> i64 {
        let elapsed_ms = (now - self.from).num_milliseconds().max(0);
        (elapsed_ms as f64 * MAX_PLAYBACK_RATE) as i64 + SLACK_MS - self.used_ms
    }

    /// What a report received at `now` may newly count, in milliseconds (≥ 0).
    pub fn available_ms(&self, now: DateTime<Utc>) -> i64 {
        self.uncapped_ms(now).clamp(0, ALLOWANCE_CAP_MS)
    }

    /// Takes `counted_ms` (at most [`Self::available_ms`] of `now`) out of the allowance for a
    /// report received at `now`. Every report calls it, even one that counted nothing, so
    /// that a full allowance drops what accrued beyond the cap.
    pub fn spend(&mut self, now: DateTime<Utc>, counted_ms: i64) {
        if self.uncapped_ms(now) > ALLOWANCE_CAP_MS {
            // Exactly full at `now`: the window's playback and the slack.
            self.from = now - TimeDelta::milliseconds(ALLOWANCE_WINDOW_MS);
            self.used_ms = 0;
        }
        self.used_ms = self.used_ms.saturating_add(counted_ms.max(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    /// Reports as (wall-clock ms since the previous one, newly watched ms asked for).
    fn apply(start: DateTime<Utc>, reports: &[(i64, i64)]) -> Vec<(DateTime<Utc>, i64)> {
        let mut a = Allowance::starting(start);
        let mut now = start;
        reports
            .iter()
            .map(|&(wait, asked)| {
                now += TimeDelta::milliseconds(wait);
                let counted = asked.min(a.available_ms(now));
                a.spend(now, counted);
                (now, counted)
            })
            .collect()
    }

    #[test]
    fn fills_at_the_fastest_rate_up_to_the_cap() {
        let a = Allowance::starting(at(0));
        assert_eq!(a.available_ms(at(0)), SLACK_MS);
        assert_eq!(a.available_ms(at(-5_000)), SLACK_MS, "a clock behind");
        assert_eq!(a.available_ms(at(10_000)), SLACK_MS + 20_000);
        assert_eq!(a.available_ms(at(60_000)), ALLOWANCE_CAP_MS);
        assert_eq!(ALLOWANCE_CAP_MS, 126_000);
        assert_eq!(a.available_ms(at(86_400_000)), ALLOWANCE_CAP_MS);
    }

    #[test]
    fn a_full_allowance_forgets_what_accrued_beyond_the_cap() {
        // A day's pause, then the cap at once and nothing more without waiting.
        let counted = apply(
            at(0),
            &[(86_400_000, 300_000), (0, 300_000), (1_000, 300_000)],
        );
        assert_eq!(counted[0].1, ALLOWANCE_CAP_MS);
        assert_eq!(counted[1].1, 0);
        assert_eq!(counted[2].1, 2_000);
        // A report that counts nothing still drops the excess.
        let counted = apply(at(0), &[(86_400_000, 0), (1_000, 300_000)]);
        assert_eq!(counted[1].1, ALLOWANCE_CAP_MS);
    }

    #[test]
    fn the_stored_columns_read_back_the_same() {
        let mut a = Allowance::starting(at(0));
        a.spend(at(3_600_000), 50_000);
        assert_eq!(a.from, at(3_600_000 - ALLOWANCE_WINDOW_MS));
        assert_eq!(a.used_ms, 50_000);
        assert_eq!(a.available_ms(at(3_600_000)), ALLOWANCE_CAP_MS - 50_000);
    }

    fn reports() -> impl Strategy<Value = Vec<(i64, i64)>> {
        // Bursts (0 ms apart), heartbeats and long pauses; any amount asked for.
        let wait = prop_oneof![Just(0i64), 0i64..15_000, 0i64..200_000_000];
        prop::collection::vec((wait, 0i64..400_000), 1..60)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Between any two reports, no more is counted than the cap and the playback at the
        /// fastest rate of the wall-clock time between them; from the start, no more than
        /// the slack and that playback since the allowance began.
        #[test]
        fn never_more_than_wall_clock_time_allows(
            start_ago in 0i64..100_000_000,
            reports in reports(),
        ) {
            let start = at(0);
            let counted = apply(start - TimeDelta::milliseconds(start_ago), &reports);
            let rate = |from: DateTime<Utc>, to: DateTime<Utc>| {
                ((to - from).num_milliseconds() as f64 * MAX_PLAYBACK_RATE) as i64
            };
            for i in 0..counted.len() {
                let mut sum = 0;
                for j in i..counted.len() {
                    sum += counted[j].1;
                    prop_assert!(
                        sum <= ALLOWANCE_CAP_MS + rate(counted[i].0, counted[j].0),
                        "reports {i}..={j} counted {sum}"
                    );
                }
            }
            let total: i64 = counted.iter().map(|c| c.1).sum();
            let last = counted.last().unwrap().0;
            prop_assert!(
                total <= SLACK_MS + rate(start - TimeDelta::milliseconds(start_ago), last)
            );
        }

        /// A player that reports no faster than the fastest rate, and never more than the
        /// window's playback at once (a heartbeat every 10 s, a connection lost for up to a
        /// minute), has everything counted, whatever the pauses in between.
        #[test]
        fn honest_playback_is_never_refused(
            reports in prop::collection::vec(
                (prop_oneof![1i64..12_000, 0i64..100_000_000], 0.0f64..=1.0),
                1..80,
            ),
        ) {
            let played: Vec<(i64, i64)> = reports
                .iter()
                .map(|&(wait, share)| {
                    let most = ((wait as f64 * MAX_PLAYBACK_RATE) as i64)
                        .min(ALLOWANCE_CAP_MS - SLACK_MS);
                    (wait, (most as f64 * share) as i64)
                })
                .collect();
            let counted = apply(at(0), &played);
            for (i, (&(_, asked), &(_, got))) in played.iter().zip(&counted).enumerate() {
                prop_assert_eq!(asked, got, "report {}", i);
            }
        }
    }
}
