//! Synthetic people at the region's scale, for benchmarks and trials — never real personal
//! data. Deterministic for a seed: the same seed gives the same people.
//!
//! - Identity numbers are valid (GB 11643): a current county of the region, a birth date
//!   drawn from a young population's age pyramid, a sequence whose parity is the gender,
//!   and the check character; no number repeats.
//! - About 86% are Tibetan, named the Tibetan way (two two-syllable names, no family name),
//!   in Chinese characters and in Tibetan script; about 12% are Han with a family name; the
//!   rest Hui, Monpa, Lhoba and others.
//! - Families of about four share a household address; marriage, education, insurance,
//!   assistance and disability follow age and plausible shares; one in ten lives in another
//!   county than where registered.

use kernel::DivisionCode;
use kernel::division::Level;
use time::{Date, Duration};

use crate::fields::POPULATION;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p` per thousand.
    pub fn per_mille(&mut self, p: u64) -> bool {
        self.below(1000) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Tibetan name parts in Chinese characters and Tibetan script; a name is two of them.
const TIBETAN_PARTS: &[(&str, &str)] = &[
    ("扎西", "བཀྲ་ཤིས"),
    ("顿珠", "དོན་གྲུབ"),
    ("次仁", "ཚེ་རིང"),
    ("达瓦", "ཟླ་བ"),
    ("尼玛", "ཉི་མ"),
    ("平措", "ཕུན་ཚོགས"),
    ("格桑", "སྐལ་བཟང"),
    ("旦增", "བསྟན་འཛིན"),
    ("白玛", "པདྨ"),
    ("索朗", "བསོད་ནམས"),
    ("普布", "ཕུར་བུ"),
    ("边巴", "སྤེན་པ"),
    ("多吉", "རྡོ་རྗེ"),
    ("罗布", "ནོར་བུ"),
    ("洛桑", "བློ་བཟང"),
    ("强巴", "བྱམས་པ"),
    ("米玛", "མིག་དམར"),
    ("巴桑", "པ་སངས"),
    ("土登", "ཐུབ་བསྟན"),
    ("益西", "ཡེ་ཤེས"),
];
const TIBETAN_FEMALE: &[(&str, &str)] = &[
    ("卓玛", "སྒྲོལ་མ"),
    ("央金", "དབྱངས་ཅན"),
    ("拉姆", "ལྷ་མོ"),
    ("德吉", "བདེ་སྐྱིད"),
    ("曲珍", "ཆོས་སྒྲོན"),
    ("措姆", "མཚོ་མོ"),
    ("卓嘎", "སྒྲོལ་དཀར"),
    ("旺姆", "དབང་མོ"),
];
const HAN_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡",
];
const HAN_GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "建华", "志强", "海燕", "国庆",
];
const EDUCATION: &[&str] = &["小学", "初中", "高中", "中专", "大专", "大学本科", "研究生"];

/// Ages by five-year band, people per thousand (a young population, as the region's is).
const AGE_BANDS: [u64; 20] = [
    85, 80, 78, 75, 80, 85, 82, 78, 72, 65, 58, 50, 40, 30, 18, 11, 7, 4, 1, 1,
];

/// One synthetic person: the identity number, then the values of [`POPULATION`] in order.
pub struct Person {
    pub person_id: String,
    pub values: Vec<String>,
}

/// Makes people one after another; keeps what it needs to never repeat a number.
pub struct Generator {
    rng: Rng,
    counties: Vec<(DivisionCode, &'static str)>,
    today: Date,
    /// Sequence numbers used per county and birth date (county × day since 1900).
    used: Vec<u16>,
    household: u64,
    household_left: u32,
    household_county: usize,
}

const DAYS: usize = 150 * 366;

impl Generator {
    pub fn new(seed: u64, today: Date) -> Generator {
        let counties: Vec<(DivisionCode, &'static str)> = kernel::division::builtin()
            .iter()
            .filter(|d| d.retired_in.is_none() && d.code.level() == Level::County)
            .map(|d| (d.code, d.name_zh))
            .collect();
        let n = counties.len();
        Generator {
            rng: Rng::new(seed),
            counties,
            today,
            used: vec![0; n * DAYS],
            household: 0,
            household_left: 0,
            household_county: 0,
        }
    }

    fn age(&mut self) -> i64 {
        let total: u64 = AGE_BANDS.iter().sum();
        let mut x = self.rng.below(total);
        for (band, w) in AGE_BANDS.iter().enumerate() {
            if x < *w {
                return band as i64 * 5 + self.rng.below(5) as i64;
            }
            x -= w;
        }
        30
    }

    /// The next person, or `None` when every number a county and day allow is taken.
    pub fn next_person(&mut self) -> Option<Person> {
        if self.household_left == 0 {
            self.household += 1;
            self.household_left = 1 + self.rng.below(7) as u32;
            self.household_county = self.rng.below(self.counties.len() as u64) as usize;
        }
        self.household_left -= 1;
        let county = self.household_county;
        let age = self.age();
        let birth = self.today - Duration::days(age * 365 + self.rng.below(365) as i64);
        let epoch = Date::from_calendar_date(1900, time::Month::January, 1).ok()?;
        let day = (birth - epoch).whole_days().clamp(0, DAYS as i64 - 1) as usize;
        let slot = county * DAYS + day;
        let female = self.rng.below(2) == 0;
        // Sequence: 001–999, odd for men, even for women.
        let taken = self.used[slot];
        let seq = u32::from(taken) * 2 + if female { 2 } else { 1 };
        if seq > 999 {
            return self.next_person();
        }
        self.used[slot] = taken + 1;
        let (code, county_name) = self.counties[county];
        let body = format!(
            "{}{}{:02}{:02}{:03}",
            code.county_part(),
            birth.year(),
            u8::from(birth.month()),
            birth.day(),
            seq
        );
        let bytes: [u8; 17] = body.as_bytes().try_into().ok()?;
        let id = format!(
            "{body}{}",
            kernel::person_id::check_character(&bytes) as char
        );

        let roll = self.rng.below(1000);
        let (ethnicity, tibetan_style) = match roll {
            0..860 => ("藏族", true),
            860..980 => ("汉族", false),
            980..985 => ("回族", false),
            985..990 => ("门巴族", true),
            990..993 => ("珞巴族", true),
            _ => ("纳西族", false),
        };
        let (name_zh, name_bo) = if tibetan_style {
            let a = *self.rng.pick(TIBETAN_PARTS);
            let b = if female {
                *self.rng.pick(TIBETAN_FEMALE)
            } else {
                *self.rng.pick(TIBETAN_PARTS)
            };
            (format!("{}{}", a.0, b.0), format!("{}་{}།", a.1, b.1))
        } else {
            (
                format!(
                    "{}{}",
                    self.rng.pick(HAN_SURNAMES),
                    self.rng.pick(HAN_GIVEN)
                ),
                String::new(),
            )
        };
        let marital = if age < 20 {
            "unmarried"
        } else {
            match self.rng.below(100) {
                0..70 => "married",
                70..76 => "divorced",
                76..82 if age > 45 => "widowed",
                _ => "unmarried",
            }
        };
        let education = if age < 7 {
            ""
        } else {
            let cap = ((age - 6) / 3).clamp(1, EDUCATION.len() as i64) as u64;
            EDUCATION[self.rng.below(cap) as usize]
        };
        let address = format!(
            "{county_name}第{}村{}号",
            1 + self.household % 40,
            1 + self.household % 997
        );
        let (residence_division, residence_address) = if self.rng.per_mille(100) {
            let other = *self.rng.pick(&self.counties);
            (other.0.to_string(), format!("{}城区", other.1))
        } else {
            (code.to_string(), address.clone())
        };
        let by_key = |key: &str| -> String {
            match key {
                "name_zh" => name_zh.clone(),
                "name_bo" => name_bo.clone(),
                "gender" => if female { "female" } else { "male" }.to_owned(),
                "ethnicity" => ethnicity.to_owned(),
                "birth_date" => birth.to_string(),
                "household_division" => code.to_string(),
                "household_address" => address.clone(),
                "residence_division" => residence_division.clone(),
                "residence_address" => residence_address.clone(),
                "marital_status" => marital.to_owned(),
                "education" => education.to_owned(),
                _ => String::new(),
            }
        };
        let mut values: Vec<String> = POPULATION.iter().map(|f| by_key(f.key)).collect();
        let set = |values: &mut Vec<String>, key: &str, v: &str| {
            if let Some(i) = POPULATION.iter().position(|f| f.key == key) {
                values[i] = v.to_owned();
            }
        };
        if self.rng.per_mille(950) {
            set(&mut values, "health_insurance", "城乡居民基本医疗保险");
        }
        if age >= 16 {
            set(&mut values, "social_security", "城乡居民基本养老保险");
        }
        set(
            &mut values,
            "income_band",
            ["低", "中低", "中", "中高"][self.rng.below(4) as usize],
        );
        if self.rng.per_mille(50) {
            set(&mut values, "assistance", "农村最低生活保障");
        }
        if self.rng.per_mille(20) {
            set(&mut values, "poverty", "防返贫监测对象");
        }
        if self.rng.per_mille(15) {
            set(&mut values, "disability", "肢体残疾 三级");
        }
        Some(Person {
            person_id: id,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_valid_unique_and_mostly_tibetan() {
        let today = Date::from_calendar_date(2026, time::Month::November, 28).expect("date");
        let mut g = Generator::new(7, today);
        let mut ids = std::collections::HashSet::new();
        let mut tibetan = 0;
        for _ in 0..20_000 {
            let p = g.next_person().expect("a person");
            let id = kernel::PersonId::parse_on(&p.person_id, today).expect("a valid number");
            assert!(ids.insert(p.person_id.clone()), "unique");
            let value = |k: &str| {
                let i = POPULATION.iter().position(|f| f.key == k).expect("field");
                p.values[i].clone()
            };
            for (i, f) in POPULATION.iter().enumerate() {
                assert!(f.check(&p.values[i]).is_ok(), "{}: {}", f.key, p.values[i]);
            }
            assert_eq!(value("birth_date"), id.birth_date().to_string());
            assert_eq!(
                value("gender"),
                if id.gender() == kernel::person_id::Gender::Male {
                    "male"
                } else {
                    "female"
                }
            );
            if value("ethnicity") == "藏族" {
                tibetan += 1;
                assert!(!value("name_bo").is_empty());
            }
        }
        assert!(
            (16_500..18_000).contains(&tibetan),
            "{tibetan} of 20,000 Tibetan"
        );
        let again = Generator::new(7, today).next_person().expect("person");
        assert_eq!(
            again.person_id,
            Generator::new(7, today).next_person().expect("p").person_id
        );
    }
}
