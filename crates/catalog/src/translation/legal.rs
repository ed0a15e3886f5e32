//! Legal bases as departments write them (`《某某法》第三十五条`): titles and article numbers,
//! so a Tibetan guide keeps the title in Chinese beside its gloss and reads the article in
//! Tibetan.

/// A piece of a legal basis as written (`《某某法》第三十五条`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegalPart<'a> {
    /// A title, without its brackets.
    Title(&'a str),
    /// An article number (第N条).
    Article(u32),
    Text(&'a str),
}

/// Cuts a legal basis into titles, article numbers and other text.
pub fn legal_parts(text: &str) -> Vec<LegalPart<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(open) = rest.find('《') {
            if open > 0 {
                articles(&rest[..open], &mut out);
            }
            let after = &rest[open + '《'.len_utf8()..];
            match after.find('》') {
                Some(close) => {
                    out.push(LegalPart::Title(after[..close].trim()));
                    rest = &after[close + '》'.len_utf8()..];
                }
                None => {
                    out.push(LegalPart::Text(rest.trim()));
                    break;
                }
            }
        } else {
            articles(rest, &mut out);
            break;
        }
    }
    out
}

/// Reads the article numbers in text between titles (`第三十五条、第三十六条`); what is not
/// an article number stays text.
fn articles<'a>(text: &'a str, out: &mut Vec<LegalPart<'a>>) {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start_matches([' ', '、', '，', ',', '和', '及']);
        if trimmed.is_empty() {
            return;
        }
        if let Some(body) = trimmed.strip_prefix('第')
            && let Some(end) = body.find('条')
            && let Some(n) = kernel::chinese_number(&body[..end])
        {
            out.push(LegalPart::Article(n));
            rest = &body[end + '条'.len_utf8()..];
            continue;
        }
        out.push(LegalPart::Text(trimmed.trim()));
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_bases_cut_into_titles_and_articles() {
        assert_eq!(
            legal_parts("《中华人民共和国食品安全法》第三十五条"),
            vec![
                LegalPart::Title("中华人民共和国食品安全法"),
                LegalPart::Article(35)
            ]
        );
        assert_eq!(
            legal_parts("《民法典》《收养登记办法》第十条、第二十一条"),
            vec![
                LegalPart::Title("民法典"),
                LegalPart::Title("收养登记办法"),
                LegalPart::Article(10),
                LegalPart::Article(21)
            ]
        );
        assert_eq!(
            legal_parts("依照有关规定"),
            vec![LegalPart::Text("依照有关规定")]
        );
        assert_eq!(legal_parts("《未闭合"), vec![LegalPart::Text("《未闭合")]);
    }
}
