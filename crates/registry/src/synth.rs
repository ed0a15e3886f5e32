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
use crate::geometry::Geometry;

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

/// One synthetic record: its key (identity number or credit code), then the values of the
/// register's fields in order.
pub struct Row {
    pub key: String,
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
        let counties = Generator::new_counties();
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

    /// The region's current counties, with their names.
    fn new_counties() -> Vec<(DivisionCode, &'static str)> {
        kernel::division::builtin()
            .iter()
            .filter(|d| d.retired_in.is_none() && d.code.level() == Level::County)
            .map(|d| (d.code, d.name_zh))
            .collect()
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
    pub fn next_person(&mut self) -> Option<Row> {
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
        if age >= 16 && self.rng.per_mille(800) {
            let prefix = *self
                .rng
                .pick(&["139", "138", "136", "158", "159", "187", "189", "180"]);
            let number = format!("{prefix}{:08}", self.rng.below(100_000_000));
            set(&mut values, "mobile", &number);
        }
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
        Some(Row { key: id, values })
    }
}

/// Words for synthetic entity names.
const TRADE_WORDS: &[&str] = &[
    "雪域",
    "圣湖",
    "珠峰",
    "高原",
    "吉祥",
    "格桑花",
    "牦牛",
    "青稞",
    "羌塘",
    "雅鲁",
    "念青",
    "阳光",
    "天路",
    "康巴",
    "藏香",
    "虹桥",
    "金桥",
    "彩虹",
    "神山",
    "草原",
];
const TRADES: &[(&str, &str, &str)] = &[
    ("牦牛肉制品", "C1352", "牦牛肉及制品加工、销售"),
    ("青稞酒业", "C1512", "青稞酒生产、销售"),
    ("藏药", "C2740", "藏药材种植、藏药生产及销售"),
    ("商贸", "F5299", "日用百货、五金交电、建材批发零售"),
    ("餐饮管理", "H6210", "藏餐、川菜餐饮服务"),
    ("旅游服务", "L7271", "旅游咨询、旅游线路开发、住宿服务"),
    ("建筑工程", "E4890", "房屋建筑工程、市政工程施工"),
    ("运输", "G5430", "道路普通货物运输、客运服务"),
    (
        "文化传媒",
        "R8890",
        "唐卡、民族手工艺品制作销售；文化活动策划",
    ),
    ("信息技术", "I6510", "软件开发、信息系统集成服务"),
    ("畜牧", "A0311", "牦牛、藏羊养殖及销售"),
    ("光伏能源", "D4416", "光伏电站建设、运营"),
];
const ORGAN_SUFFIXES: &[&str] = &[
    "人民政府办公室",
    "发展和改革委员会",
    "教育局",
    "民政局",
    "自然资源局",
    "农业农村局",
];
const INSTITUTION_SUFFIXES: &[&str] = &[
    "人民医院",
    "藏医院",
    "第一小学",
    "中学",
    "疾病预防控制中心",
    "政务服务中心",
];
const SOCIAL_SUFFIXES: &[&str] = &["慈善协会", "藏医药学会", "个体劳动者协会", "民族手工艺协会"];

/// The GB 32100 symbols, for building codes.
const CODE_SYMBOLS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// ISO 7064 MOD 11,10 over digits: the check digit of a 15-digit business registration
/// number (GB/T 17104 style).
fn mod_11_10(digits: &[u8]) -> u8 {
    let mut p = 10u32;
    for d in digits {
        let mut s = (p + u32::from(d - b'0')) % 10;
        if s == 0 {
            s = 10;
        }
        p = (2 * s) % 11;
    }
    b'0' + ((11 - p) % 10) as u8
}

/// Makes legal entities one after another, with valid and unique credit codes: mostly
/// enterprises and farmers' cooperatives, then organs, public institutions and social
/// organisations, in every county; those founded before 2015 keep their old codes.
pub struct EntityGenerator {
    rng: Rng,
    counties: Vec<(DivisionCode, &'static str)>,
    today: Date,
    serial: u64,
}

impl EntityGenerator {
    pub fn new(seed: u64, today: Date) -> EntityGenerator {
        EntityGenerator {
            rng: Rng::new(seed ^ 0x5EED_E471_7E5A_u64),
            counties: Generator::new_counties(),
            today,
            serial: 0,
        }
    }

    pub fn next_entity(&mut self) -> Option<Row> {
        self.serial += 1;
        let (county, county_name) = *self.rng.pick(&self.counties);
        let (org_type, kind) = match self.rng.below(100) {
            0..62 => ("91", "enterprise"),
            62..75 => ("93", "enterprise"),
            75..85 => ("92", "enterprise"),
            85..89 => ("11", "organ"),
            89..96 => ("12", "public-institution"),
            96..98 => ("51", "social-organisation"),
            _ => ("52", "social-organisation"),
        };
        // The organization code: a letter pair by kind, then the serial in base 31, then
        // its GB 11714 check character.
        let mut org = Vec::with_capacity(9);
        org.extend_from_slice(if org_type.starts_with('9') {
            b"MA"
        } else {
            b"PD"
        });
        let mut n = self.serial;
        let mut tail = [b'0'; 6];
        for slot in tail.iter_mut().rev() {
            *slot = CODE_SYMBOLS[(n % 31) as usize];
            n /= 31;
        }
        org.extend_from_slice(&tail);
        org.push(kernel::credit_code::org_check_character(&org)?);
        let mut first17 = Vec::with_capacity(17);
        first17.extend_from_slice(org_type.as_bytes());
        first17.extend_from_slice(format!("{:06}", county.county_part()).as_bytes());
        first17.extend_from_slice(&org);
        let check = kernel::credit_code::check_character(&first17)?;
        first17.push(check);
        let code = String::from_utf8(first17).ok()?;
        let org_text = std::str::from_utf8(&org).ok()?;
        let org_code = format!("{}-{}", &org_text[..8], &org_text[8..]);

        let years = 1 + self.rng.below(30) as i64;
        let established = self.today - Duration::days(years * 365 + self.rng.below(365) as i64);
        let old_codes = established.year() < 2015;
        let (trade, industry, scope) = *self.rng.pick(TRADES);
        let word = *self.rng.pick(TRADE_WORDS);
        let name = match org_type {
            "11" => format!("{county_name}{}", self.rng.pick(ORGAN_SUFFIXES)),
            "12" => format!("{county_name}{}", self.rng.pick(INSTITUTION_SUFFIXES)),
            "51" | "52" => format!("{county_name}{}", self.rng.pick(SOCIAL_SUFFIXES)),
            "93" => format!("{county_name}{word}{trade}农牧民专业合作社"),
            "92" => format!("{county_name}{word}{trade}店"),
            _ => format!("西藏{word}{trade}有限公司"),
        };
        let a = *self.rng.pick(TIBETAN_PARTS);
        let b = *self.rng.pick(TIBETAN_PARTS);
        let representative = format!("{}{}", a.0, b.0);
        let status = match self.rng.below(100) {
            0..92 => "active",
            92..98 => "cancelled",
            _ => "revoked",
        };
        let employees = match kind {
            "organ" | "public-institution" => 10 + self.rng.below(200),
            _ => 1 + self.rng.below(60),
        };
        let business_reg_no = if old_codes && org_type.starts_with('9') {
            let mut digits =
                format!("{}{:08}", county.county_part(), self.serial % 100_000_000).into_bytes();
            let c = mod_11_10(&digits);
            digits.push(c);
            String::from_utf8(digits).ok()?
        } else {
            String::new()
        };
        let tax_no = if old_codes {
            format!("{}{}", county.county_part(), org_text)
        } else {
            code.clone()
        };
        let by_key = |key: &str| -> String {
            match key {
                "name" => name.clone(),
                "kind" => kind.to_owned(),
                "legal_representative" => representative.clone(),
                "registered_capital" => format!("{}万元人民币", 10 * (1 + (self.serial * 7) % 500)),
                "business_scope" => scope.to_owned(),
                "address" => format!("{county_name}{}路{}号", word, 1 + self.serial % 300),
                "division" => county.to_string(),
                "established" => established.to_string(),
                "status" => status.to_owned(),
                "industry" => industry.to_owned(),
                "tax_status" => "normal".to_owned(),
                "employees" => employees.to_string(),
                "org_code" => org_code.clone(),
                "business_reg_no" => business_reg_no.clone(),
                "tax_no" => tax_no.clone(),
                "revenue_band" => ["小于100万", "100万-500万", "500万-2000万", "2000万以上"]
                    [(self.serial % 4) as usize]
                    .to_owned(),
                _ => String::new(),
            }
        };
        let values = crate::fields::ENTITIES
            .iter()
            .map(|f| by_key(f.key))
            .collect();
        Some(Row { key: code, values })
    }
}

/// Approximate seats of the region's prefectures (longitude, latitude); synthetic features
/// of a county are scattered around its prefecture's seat.
const SEATS: [(u32, f64, f64); 7] = [
    (5401, 91.13, 29.65),
    (5402, 88.88, 29.27),
    (5403, 97.17, 31.14),
    (5404, 94.36, 29.65),
    (5405, 91.77, 29.24),
    (5406, 92.05, 31.48),
    (5425, 80.10, 32.50),
];

/// Layers by share per thousand, with the department kind that is their source and the
/// size of their features in degrees.
const FEATURE_LAYERS: [(&str, u64, &str, f64); 9] = [
    ("land-parcels", 500, "natural-resources", 0.002),
    ("grasslands", 100, "agriculture", 0.03),
    ("settlements", 100, "housing", 0.0),
    ("roads", 100, "transport", 0.02),
    ("forests-wetlands", 50, "natural-resources", 0.02),
    ("rivers-lakes", 50, "natural-resources", 0.03),
    ("mineral-rights", 40, "natural-resources", 0.01),
    ("ecological-redlines", 30, "natural-resources", 0.05),
    ("pipelines", 30, "housing", 0.005),
];

/// Makes geographic features in every county: parcels, grasslands, forests, lakes, mineral
/// rights and red lines as simple polygons (a star-shaped ring, so never self-crossing),
/// roads, rivers and pipelines as lines, settlements as points.
pub struct FeatureGenerator {
    rng: Rng,
    counties: Vec<(DivisionCode, &'static str, f64, f64)>,
    serial: u64,
}

impl FeatureGenerator {
    pub fn new(seed: u64) -> FeatureGenerator {
        let mut rng = Rng::new(seed ^ 0x6E0_u64);
        let counties = Generator::new_counties()
            .into_iter()
            .map(|(code, name)| {
                let prefecture = code.county_part() / 100;
                let (_, x, y) = SEATS
                    .iter()
                    .find(|s| s.0 == prefecture)
                    .copied()
                    .unwrap_or(SEATS[0]);
                let dx = (rng.below(3000) as f64 - 1500.0) / 1000.0;
                let dy = (rng.below(1600) as f64 - 800.0) / 1000.0;
                (code, name, x + dx, y + dy)
            })
            .collect();
        FeatureGenerator {
            rng,
            counties,
            serial: 0,
        }
    }

    fn offset(&mut self, spread: f64) -> f64 {
        (self.rng.below(2_000_001) as f64 / 1_000_000.0 - 1.0) * spread
    }

    /// The next feature: id, then layer, code, name, division, department, properties,
    /// geometry and its box, in the order `bulk` loads them.
    pub fn next_feature(&mut self) -> Option<Row> {
        self.serial += 1;
        let (code, county_name, cx, cy) = *self.rng.pick(&self.counties);
        let mut roll = self.rng.below(1000);
        let mut chosen = FEATURE_LAYERS[0];
        for l in FEATURE_LAYERS {
            if roll < l.1 {
                chosen = l;
                break;
            }
            roll -= l.1;
        }
        let (layer, _, owner, size) = chosen;
        let x = cx + self.offset(0.4);
        let y = cy + self.offset(0.3);
        let round = |v: f64| (v * 1e6).round() / 1e6;
        let geometry = match layer {
            "settlements" => Geometry::Point([round(x), round(y)]),
            "roads" | "rivers-lakes" if self.rng.below(2) == 0 || layer == "roads" => {
                let mut pts = vec![[round(x), round(y)]];
                let (mut px, mut py) = (x, y);
                let heading = self.rng.below(360) as f64;
                for _ in 0..(3 + self.rng.below(5)) {
                    let turn = (heading + self.offset(40.0)).to_radians();
                    px += size * turn.cos();
                    py += size * turn.sin();
                    pts.push([round(px), round(py)]);
                }
                Geometry::LineString(pts)
            }
            "pipelines" => Geometry::LineString(vec![
                [round(x), round(y)],
                [round(x + size), round(y + self.offset(size))],
            ]),
            _ => {
                let n = 5 + self.rng.below(6) as usize;
                let mut ring = Vec::with_capacity(n + 1);
                for i in 0..n {
                    let angle = std::f64::consts::TAU * i as f64 / n as f64;
                    let r = size * (0.6 + self.rng.below(400) as f64 / 1000.0);
                    ring.push([round(x + r * angle.cos()), round(y + r * angle.sin())]);
                }
                ring.push(ring[0]);
                Geometry::Polygon(vec![ring])
            }
        };
        let b = geometry.bbox();
        let label = crate::geo::layer_by_code(layer).map_or(layer, |l| l.zh);
        let feature_code = format!("{}-{}-{:07}", code, layer, self.serial);
        let properties = match layer {
            "land-parcels" => {
                serde_json::json!({ "use": (["宅基地", "耕地", "商服用地", "工业用地"][(self.serial % 4) as usize]), "area_m2": 200 + self.serial % 5000 })
            }
            "grasslands" => {
                serde_json::json!({ "grade": 1 + self.serial % 8, "contract": format!("草原承包-{}", self.serial) })
            }
            "mineral-rights" => {
                serde_json::json!({ "mineral": (["铜", "铬铁矿", "锂", "地热"][(self.serial % 4) as usize]), "kind": "探矿权" })
            }
            _ => serde_json::json!({}),
        };
        let values = vec![
            layer.to_owned(),
            feature_code,
            format!("{county_name}{label}{}", self.serial),
            code.to_string(),
            format!("{}-{owner}", code),
            properties.to_string(),
            geometry.to_json().to_string(),
            b[0].to_string(),
            b[1].to_string(),
            b[2].to_string(),
            b[3].to_string(),
        ];
        Some(Row {
            key: self.serial.to_string(),
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
            let id = kernel::PersonId::parse_on(&p.key, today).expect("a valid number");
            assert!(ids.insert(p.key.clone()), "unique");
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
            again.key,
            Generator::new(7, today).next_person().expect("p").key
        );
    }

    #[test]
    fn entities_have_valid_unique_codes_and_their_legacy_codes() {
        let today = Date::from_calendar_date(2026, time::Month::November, 28).expect("date");
        let mut g = EntityGenerator::new(7, today);
        let mut codes = std::collections::HashSet::new();
        let fields = &crate::fields::ENTITIES;
        let mut old = 0;
        for _ in 0..20_000 {
            let e = g.next_entity().expect("an entity");
            let code = kernel::CreditCode::parse(&e.key).expect("a valid credit code");
            assert!(codes.insert(e.key.clone()), "unique");
            let value =
                |k: &str| e.values[fields.iter().position(|f| f.key == k).expect("f")].clone();
            for (i, f) in fields.iter().enumerate() {
                assert!(f.check(&e.values[i]).is_ok(), "{}: {}", f.key, e.values[i]);
            }
            assert_eq!(value("kind"), crate::fields::kind_of(&e.key));
            assert_eq!(value("org_code"), crate::entities::org_code_of(&code));
            assert_eq!(&value("division")[..6], code.division());
            if value("tax_no") != e.key {
                old += 1;
            }
            let reg = value("business_reg_no");
            if !reg.is_empty() {
                assert_eq!(reg.len(), 15);
                assert_eq!(mod_11_10(&reg.as_bytes()[..14]), reg.as_bytes()[14]);
            }
        }
        assert!(old > 5_000, "{old} founded before 2015");
    }

    #[test]
    fn features_are_valid_geojson_in_the_region() {
        let mut g = FeatureGenerator::new(3);
        for _ in 0..5_000 {
            let f = g.next_feature().expect("feature");
            let geometry: serde_json::Value = serde_json::from_str(&f.values[6]).expect("json");
            let parsed = Geometry::parse(&geometry).expect("valid");
            let b = parsed.bbox();
            assert!(
                b[0] > 77.0 && b[2] < 100.5 && b[1] > 26.0 && b[3] < 37.5,
                "{b:?}"
            );
            assert!(crate::geo::layer_by_code(&f.values[0]).is_some());
        }
    }
}
