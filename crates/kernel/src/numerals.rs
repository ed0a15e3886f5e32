//! Numbers written in Chinese characters, as in legal citations (第三十五条) and documents.

/// Reads a number written in Chinese numerals up to the ten-thousands (三十五, 一百零二,
/// 两千, 十), or in ASCII or full-width digits; `None` for anything else.
pub fn chinese_number(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text
        .chars()
        .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    {
        let ascii: String = text
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                c => c,
            })
            .collect();
        return ascii.parse().ok();
    }
    let (mut total, mut digit) = (0u32, None::<u32>);
    for c in text.chars() {
        let d = match c {
            '零' | '〇' => Some(0),
            '一' | '壹' => Some(1),
            '二' | '两' | '贰' => Some(2),
            '三' | '叁' => Some(3),
            '四' | '肆' => Some(4),
            '五' | '伍' => Some(5),
            '六' | '陆' => Some(6),
            '七' | '柒' => Some(7),
            '八' | '捌' => Some(8),
            '九' | '玖' => Some(9),
            _ => None,
        };
        if let Some(d) = d {
            if digit.is_some_and(|p| p != 0) {
                return None;
            }
            digit = Some(d);
            continue;
        }
        let unit = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '千' | '仟' => 1000,
            '万' => {
                total = (total + digit.take().unwrap_or(0)).checked_mul(10_000)?;
                continue;
            }
            _ => return None,
        };
        // 十 alone at the start means 10.
        let d = digit
            .take()
            .unwrap_or(if total == 0 && unit == 10 { 1 } else { 0 });
        if d == 0 {
            return None;
        }
        total = total.checked_add(d * unit)?;
    }
    total.checked_add(digit.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::chinese_number;

    #[test]
    fn chinese_numerals_read_as_written_in_citations() {
        for (text, n) in [
            ("一", 1),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("三十五", 35),
            ("一百", 100),
            ("一百零二", 102),
            ("一百一十", 110),
            ("两千", 2000),
            ("三千零五十", 3050),
            ("一万二千", 12_000),
            ("35", 35),
            ("３５", 35),
        ] {
            assert_eq!(chinese_number(text), Some(n), "{text}");
        }
        for bad in ["", "条", "三五", "十十", "零十", "abc"] {
            assert_eq!(chinese_number(bad), None, "{bad}");
        }
    }
}
