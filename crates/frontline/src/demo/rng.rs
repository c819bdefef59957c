//! A small deterministic random number generator (SplitMix64) for the demo organisation.
//!
//! Written here rather than taken from `rand` because the demo must generate the same
//! organisation from the same seed forever: a dependency upgrade that changes a sampling
//! algorithm would silently change the data every screenshot and test refers to.

/// SplitMix64: tiny, fast and statistically good enough for generating fake data.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for item `index` of some kind, so each case (for example) is
    /// generated the same way whatever is generated before or around it.
    pub fn derive(seed: u64, stream: &str, index: u64) -> Self {
        let mut hash = 0xcbf2_9ce4_8422_2325_u64;
        for byte in stream.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut rng = Self::new(seed ^ hash ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // Discard one output so nearby seeds do not start with correlated values.
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0, "below(0)");
        // Multiply-shift: unbiased enough for fake data and never loops.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// An integer in `[low, high]`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as usize) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index chosen with the given relative weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.unit() * total;
        for (index, weight) in weights.iter().enumerate() {
            if target < *weight {
                return index;
            }
            target -= weight;
        }
        weights.len() - 1
    }

    /// A duration in minutes between `low` and `high`, spread log-uniformly: most replies come
    /// quickly, a few take much longer, as in a real queue.
    pub fn minutes_log(&mut self, low: f64, high: f64) -> i64 {
        (low.ln() + self.unit() * (high.ln() - low.ln()))
            .exp()
            .round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        let mut rng = Rng::new(7);
        let first = rng.next_u64();
        assert!(a.iter().all(|v| *v == first));
        assert_ne!(
            Rng::derive(1, "case", 1).next_u64(),
            Rng::derive(1, "case", 2).next_u64()
        );
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = Rng::new(42);
        for _ in 0..10_000 {
            assert!(rng.below(3) < 3);
            let v = rng.between(-2, 2);
            assert!((-2..=2).contains(&v));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(rng.weighted(&[0.0, 1.0, 0.0]) == 1);
            let m = rng.minutes_log(5.0, 60.0);
            assert!((5..=60).contains(&m));
        }
    }
}
