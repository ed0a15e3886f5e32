//! How alike two short texts are: the Dice coefficient of their character pairs, which
//! reads Chinese and Tibetan alike without a dictionary ("this sentence is 80% like that
//! one"; "this complaint repeats that one").

/// The sorted character pairs of a text, white space left out.
pub fn pairs(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut v: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    v.sort_unstable();
    v
}

/// Dice likeness of two sorted pair lists, 0.0..=1.0.
pub fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_texts_score_high_and_unlike_ones_low() {
        let a = pairs("小区电梯坏了一周没人修");
        assert!((dice(&a, &a) - 1.0).abs() < 1e-9);
        assert!(dice(&a, &pairs("小区的电梯坏了一周还没人修")) > 0.7);
        assert!(dice(&a, &pairs("路灯不亮已经三天")) < 0.2);
        assert_eq!(dice(&a, &pairs("")), 0.0);
    }
}
