//! The demo catalogue: standardized items the region's departments implement, each expanded
//! into the implementation list of every body that implements it (the region's department,
//! each prefecture's, or each county's). Names, materials, time limits, visits and online
//! depth follow the shape of real Tibet lists; the basic codes are made up (illustrative), and
//! the Tibetan names await review by a Tibetan-literate steward.

use db::{Db, DbError};
use kernel::division::Level;
use kernel::{CreditCode, DivisionCode};

use crate::codes::{BasicCode, ImplementationCode};
use crate::model::{
    CaseType, ItemBody, ItemType, Material, MaterialKind, MaterialSource, OnlineDepth,
    ServiceObject,
};
use crate::service::{self, CatalogError};

/// Which bodies implement an item.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Region,
    Prefectures,
    Counties,
}

/// Where the platform can get a material (filled in per implementing body).
#[derive(Clone, Copy)]
enum Src {
    Applicant,
    /// A certificate type defined by the region's department of this kind.
    Cert(&'static str, u8),
    Registry(&'static str),
}

struct Mat {
    zh: &'static str,
    en: &'static str,
    kind: MaterialKind,
    src: Src,
    condition: Option<&'static str>,
}

const fn m(zh: &'static str, en: &'static str, kind: MaterialKind, src: Src) -> Mat {
    Mat {
        zh,
        en,
        kind,
        src,
        condition: None,
    }
}

struct Template {
    basic: &'static str,
    zh: &'static str,
    bo: &'static str,
    en: &'static str,
    item_type: ItemType,
    kind: &'static str,
    at: At,
    object: ServiceObject,
    depth: OnlineDepth,
    visits: u8,
    statutory: u32,
    promised: u32,
    fee_fen: Option<i64>,
    window: &'static str,
    high_frequency: bool,
    life_events: &'static [&'static str],
    materials: &'static [Mat],
    steps: &'static [&'static str],
    legal_basis: &'static str,
}

use MaterialKind::{ApplicationForm as Form, Certificate as Cert, Proof};

const ID_CARD: Mat = m(
    "居民身份证",
    "Resident identity card",
    Cert,
    Src::Cert("public-security", 1),
);
const HOUSEHOLD: Mat = m(
    "居民户口簿",
    "Household register",
    Cert,
    Src::Registry("population.household"),
);
const LICENCE: Mat = m(
    "营业执照",
    "Business licence",
    Cert,
    Src::Cert("market-regulation", 1),
);
const STEPS: &[&str] = &["申请", "受理", "审查", "决定", "送达"];
const QUICK: &[&str] = &["申请", "受理", "办结"];

const TEMPLATES: &[Template] = &[
    Template {
        basic: "000105001000",
        zh: "个体工商户设立登记",
        bo: "སྒེར་གཉེར་ཚོང་ལས་བཙུགས་ཐོ།",
        en: "Registration of an individual business",
        item_type: ItemType::Licensing,
        kind: "market-regulation",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 15,
        promised: 1,
        fee_fen: None,
        window: "综合受理窗口",
        high_frequency: true,
        life_events: &["start-business"],
        materials: &[
            m(
                "个体工商户登记申请书",
                "Application form",
                Form,
                Src::Applicant,
            ),
            ID_CARD,
            m(
                "经营场所证明",
                "Proof of the business premises",
                Proof,
                Src::Registry("natural-resources.real-estate"),
            ),
        ],
        steps: QUICK,
        legal_basis: "《促进个体工商户发展条例》",
    },
    Template {
        basic: "000105002000",
        zh: "公司设立登记",
        bo: "ཀུང་སིའི་བཙུགས་ཐོ།",
        en: "Registration of a company",
        item_type: ItemType::Licensing,
        kind: "market-regulation",
        at: At::Prefectures,
        object: ServiceObject::Entity,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 15,
        promised: 1,
        fee_fen: None,
        window: "综合受理窗口",
        high_frequency: true,
        life_events: &["start-business", "open-restaurant"],
        materials: &[
            m(
                "公司登记（备案）申请书",
                "Application form",
                Form,
                Src::Applicant,
            ),
            m("公司章程", "Articles of association", Proof, Src::Applicant),
            ID_CARD,
            m(
                "住所使用证明",
                "Proof of the registered address",
                Proof,
                Src::Registry("natural-resources.real-estate"),
            ),
        ],
        steps: QUICK,
        legal_basis: "《中华人民共和国公司法》《市场主体登记管理条例》",
    },
    Template {
        basic: "000105003000",
        zh: "食品经营许可",
        bo: "ཟས་རིགས་ཚོང་གཉེར་ཆོག་མཆན།",
        en: "Food business licence",
        item_type: ItemType::Licensing,
        kind: "market-regulation",
        at: At::Counties,
        object: ServiceObject::Both,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 20,
        promised: 10,
        fee_fen: None,
        window: "综合受理窗口",
        high_frequency: true,
        life_events: &["open-restaurant"],
        materials: &[
            m(
                "食品经营许可申请书",
                "Application form",
                Form,
                Src::Applicant,
            ),
            LICENCE,
            m(
                "经营场所平面图和设备布局图",
                "Floor plan and equipment layout",
                Proof,
                Src::Applicant,
            ),
            m(
                "食品安全管理制度",
                "Food safety rules",
                Proof,
                Src::Applicant,
            ),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国食品安全法》第三十五条",
    },
    Template {
        basic: "000105004000",
        zh: "食品经营许可变更",
        bo: "ཟས་རིགས་ཚོང་གཉེར་ཆོག་མཆན་བསྒྱུར་བཅོས།",
        en: "Change of a food business licence",
        item_type: ItemType::Licensing,
        kind: "market-regulation",
        at: At::Counties,
        object: ServiceObject::Both,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 20,
        promised: 5,
        fee_fen: None,
        window: "综合受理窗口",
        high_frequency: false,
        life_events: &[],
        materials: &[
            m("变更申请书", "Application form", Form, Src::Applicant),
            m(
                "食品经营许可证",
                "Food business licence",
                Cert,
                Src::Cert("market-regulation", 2),
            ),
        ],
        steps: STEPS,
        legal_basis: "《食品经营许可和备案管理办法》",
    },
    Template {
        basic: "000101001000",
        zh: "居民身份证申领",
        bo: "ཐོབ་ཐང་ལག་ཁྱེར་ཞུ་ལེན།",
        en: "Application for a resident identity card",
        item_type: ItemType::PublicService,
        kind: "public-security",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 60,
        promised: 20,
        fee_fen: Some(2000),
        window: "公安综合窗口",
        high_frequency: true,
        life_events: &["household"],
        materials: &[
            HOUSEHOLD,
            m("近期免冠照片", "Recent photograph", Proof, Src::Applicant),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国居民身份证法》",
    },
    Template {
        basic: "000101002000",
        zh: "户口迁移",
        bo: "ཐེམ་ཐོ་སྤོ་སྒྱུར།",
        en: "Moving one's household registration",
        item_type: ItemType::Confirmation,
        kind: "public-security",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 20,
        promised: 5,
        fee_fen: None,
        window: "公安综合窗口",
        high_frequency: true,
        life_events: &["household", "move"],
        materials: &[
            ID_CARD,
            HOUSEHOLD,
            Mat {
                zh: "结婚证",
                en: "Marriage certificate",
                kind: Cert,
                src: Src::Cert("civil-affairs", 1),
                condition: Some("因婚迁移的"),
            },
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国户口登记条例》",
    },
    Template {
        basic: "000101003000",
        zh: "出生登记",
        bo: "སྐྱེས་ཐོ་འགོད་པ།",
        en: "Birth registration",
        item_type: ItemType::Confirmation,
        kind: "public-security",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 5,
        promised: 1,
        fee_fen: None,
        window: "公安综合窗口",
        high_frequency: true,
        life_events: &["birth"],
        materials: &[
            m(
                "出生医学证明",
                "Birth medical certificate",
                Cert,
                Src::Cert("health", 1),
            ),
            HOUSEHOLD,
            m(
                "父母居民身份证",
                "Parents' identity cards",
                Cert,
                Src::Cert("public-security", 1),
            ),
        ],
        steps: QUICK,
        legal_basis: "《中华人民共和国户口登记条例》第七条",
    },
    Template {
        basic: "000102001000",
        zh: "内地居民婚姻登记",
        bo: "ནང་ས་མི་དམངས་གཉེན་སྒྲིག་ཐོ་འགོད།",
        en: "Marriage registration",
        item_type: ItemType::Confirmation,
        kind: "civil-affairs",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 1,
        promised: 1,
        fee_fen: None,
        window: "婚姻登记窗口",
        high_frequency: true,
        life_events: &["marriage"],
        materials: &[
            ID_CARD,
            HOUSEHOLD,
            m(
                "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
                "Signed declaration",
                Proof,
                Src::Applicant,
            ),
        ],
        steps: &["申请", "审查", "登记发证"],
        legal_basis: "《婚姻登记条例》",
    },
    Template {
        basic: "000102002000",
        zh: "最低生活保障审核确认",
        bo: "འཚོ་བའི་འགན་ལེན་དམའ་ཤོས་ཞིབ་བཤེར་གཏན་འཁེལ།",
        en: "Subsistence allowance (dibao) approval",
        item_type: ItemType::Benefit,
        kind: "civil-affairs",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 30,
        promised: 20,
        fee_fen: None,
        window: "社会救助窗口",
        high_frequency: true,
        life_events: &["social-assistance"],
        materials: &[
            m(
                "最低生活保障申请书",
                "Application form",
                Form,
                Src::Applicant,
            ),
            ID_CARD,
            HOUSEHOLD,
            m(
                "家庭收入和财产状况声明",
                "Declaration of household income and assets",
                Proof,
                Src::Registry("population.income"),
            ),
            Mat {
                zh: "残疾人证",
                en: "Disability certificate",
                kind: Cert,
                src: Src::Cert("civil-affairs", 3),
                condition: Some("家庭成员有残疾的"),
            },
        ],
        steps: &[
            "申请",
            "受理",
            "家庭经济状况调查",
            "审核确认",
            "公示",
            "发放",
        ],
        legal_basis: "《社会救助暂行办法》",
    },
    Template {
        basic: "000102003000",
        zh: "临时救助",
        bo: "གནས་སྐབས་རོགས་སྐྱོར།",
        en: "Temporary assistance",
        item_type: ItemType::Benefit,
        kind: "civil-affairs",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 15,
        promised: 5,
        fee_fen: None,
        window: "社会救助窗口",
        high_frequency: false,
        life_events: &["social-assistance"],
        materials: &[
            m("临时救助申请书", "Application form", Form, Src::Applicant),
            ID_CARD,
            m(
                "遭遇困难的证明",
                "Proof of the hardship",
                Proof,
                Src::Applicant,
            ),
        ],
        steps: STEPS,
        legal_basis: "《社会救助暂行办法》第四十七条",
    },
    Template {
        basic: "000102004000",
        zh: "残疾人证核发",
        bo: "དབང་པོ་སྐྱོན་ཅན་ལག་ཁྱེར་སྤྲོད་པ།",
        en: "Issue of a disability certificate",
        item_type: ItemType::Confirmation,
        kind: "civil-affairs",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 30,
        promised: 15,
        fee_fen: None,
        window: "综合受理窗口",
        high_frequency: false,
        life_events: &["disability"],
        materials: &[
            m("残疾人证申请表", "Application form", Form, Src::Applicant),
            ID_CARD,
            m(
                "残疾评定结论",
                "Disability assessment",
                Proof,
                Src::Applicant,
            ),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国残疾人保障法》",
    },
    Template {
        basic: "000103001000",
        zh: "城乡居民基本养老保险参保登记",
        bo: "གྲོང་ཁྱེར་གྲོང་གསེབ་མི་དམངས་རྒས་གསོ་ཉེན་འགོག་ཞུགས་ཐོ།",
        en: "Enrolment in basic old-age insurance for residents",
        item_type: ItemType::PublicService,
        kind: "hr-social-security",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 5,
        promised: 1,
        fee_fen: None,
        window: "社保窗口",
        high_frequency: true,
        life_events: &["social-insurance"],
        materials: &[ID_CARD, HOUSEHOLD],
        steps: QUICK,
        legal_basis: "《中华人民共和国社会保险法》",
    },
    Template {
        basic: "000103002000",
        zh: "城乡居民养老保险待遇申领",
        bo: "གྲོང་ཁྱེར་གྲོང་གསེབ་རྒས་གསོའི་ཐོབ་ཐང་ཞུ་ལེན།",
        en: "Claiming a residents' pension",
        item_type: ItemType::Benefit,
        kind: "hr-social-security",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 20,
        promised: 5,
        fee_fen: None,
        window: "社保窗口",
        high_frequency: true,
        life_events: &["retire"],
        materials: &[
            ID_CARD,
            m(
                "社会保障卡",
                "Social security card",
                Cert,
                Src::Cert("hr-social-security", 1),
            ),
        ],
        steps: STEPS,
        legal_basis: "《国务院关于建立统一的城乡居民基本养老保险制度的意见》",
    },
    Template {
        basic: "000103003000",
        zh: "失业登记",
        bo: "ལས་མེད་ཐོ་འགོད།",
        en: "Registration as unemployed",
        item_type: ItemType::PublicService,
        kind: "hr-social-security",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 5,
        promised: 1,
        fee_fen: None,
        window: "就业窗口",
        high_frequency: false,
        life_events: &["employment"],
        materials: &[ID_CARD],
        steps: QUICK,
        legal_basis: "《就业服务与就业管理规定》",
    },
    Template {
        basic: "000103004000",
        zh: "社会保障卡申领",
        bo: "སྤྱི་ཚོགས་འགན་ལེན་ཁཱ་ཞུ་ལེན།",
        en: "Application for a social security card",
        item_type: ItemType::PublicService,
        kind: "hr-social-security",
        at: At::Prefectures,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 30,
        promised: 10,
        fee_fen: None,
        window: "社保窗口",
        high_frequency: true,
        life_events: &["social-insurance", "birth"],
        materials: &[
            ID_CARD,
            m("近期免冠照片", "Recent photograph", Proof, Src::Applicant),
        ],
        steps: QUICK,
        legal_basis: "《社会保障卡管理办法》",
    },
    Template {
        basic: "000104001000",
        zh: "不动产首次登记",
        bo: "མི་འགུལ་བའི་རྒྱུ་ནོར་ཐེངས་དང་པོའི་ཐོ་འགོད།",
        en: "First registration of real estate",
        item_type: ItemType::Confirmation,
        kind: "natural-resources",
        at: At::Counties,
        object: ServiceObject::Both,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 30,
        promised: 5,
        fee_fen: Some(8000),
        window: "不动产登记窗口",
        high_frequency: true,
        life_events: &["housing"],
        materials: &[
            m("不动产登记申请书", "Application form", Form, Src::Applicant),
            ID_CARD,
            m(
                "土地权属来源材料",
                "Proof of land rights",
                Proof,
                Src::Registry("natural-resources.parcel"),
            ),
        ],
        steps: STEPS,
        legal_basis: "《不动产登记暂行条例》",
    },
    Template {
        basic: "000104002000",
        zh: "不动产转移登记",
        bo: "མི་འགུལ་བའི་རྒྱུ་ནོར་སྤོ་སྒྱུར་ཐོ་འགོད།",
        en: "Transfer registration of real estate",
        item_type: ItemType::Confirmation,
        kind: "natural-resources",
        at: At::Counties,
        object: ServiceObject::Both,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 30,
        promised: 3,
        fee_fen: Some(8000),
        window: "不动产登记窗口",
        high_frequency: true,
        life_events: &["housing"],
        materials: &[
            m("不动产登记申请书", "Application form", Form, Src::Applicant),
            ID_CARD,
            m(
                "不动产权证书",
                "Real estate certificate",
                Cert,
                Src::Cert("natural-resources", 1),
            ),
            m("买卖合同", "Sales contract", Proof, Src::Applicant),
        ],
        steps: STEPS,
        legal_basis: "《不动产登记暂行条例》",
    },
    Template {
        basic: "000106001000",
        zh: "建设工程规划许可",
        bo: "འཛུགས་སྐྲུན་འཆར་གཞིའི་ཆོག་མཆན།",
        en: "Construction planning permit",
        item_type: ItemType::Licensing,
        kind: "natural-resources",
        at: At::Prefectures,
        object: ServiceObject::Entity,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 20,
        promised: 10,
        fee_fen: None,
        window: "工程建设窗口",
        high_frequency: false,
        life_events: &["construction"],
        materials: &[
            m(
                "建设工程规划许可申请表",
                "Application form",
                Form,
                Src::Applicant,
            ),
            LICENCE,
            m("建设工程设计方案", "Design plan", Proof, Src::Applicant),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国城乡规划法》第四十条",
    },
    Template {
        basic: "000106002000",
        zh: "建筑工程施工许可",
        bo: "བཟོ་སྐྲུན་ལས་གྲྭའི་ལས་ཀའི་ཆོག་མཆན།",
        en: "Construction works permit",
        item_type: ItemType::Licensing,
        kind: "housing",
        at: At::Prefectures,
        object: ServiceObject::Entity,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 7,
        promised: 3,
        fee_fen: None,
        window: "工程建设窗口",
        high_frequency: false,
        life_events: &["construction"],
        materials: &[
            m("施工许可申请表", "Application form", Form, Src::Applicant),
            LICENCE,
            m("施工合同", "Construction contract", Proof, Src::Applicant),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国建筑法》第八条",
    },
    Template {
        basic: "000107001000",
        zh: "出生医学证明首次签发",
        bo: "སྐྱེས་པའི་སྨན་ཁང་ར་སྤྲོད་ཐེངས་དང་པོ།",
        en: "First issue of a birth medical certificate",
        item_type: ItemType::PublicService,
        kind: "health",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::Information,
        visits: 1,
        statutory: 5,
        promised: 1,
        fee_fen: None,
        window: "卫生健康窗口",
        high_frequency: true,
        life_events: &["birth"],
        materials: &[
            m(
                "父母居民身份证",
                "Parents' identity cards",
                Cert,
                Src::Cert("public-security", 1),
            ),
            m("分娩记录", "Delivery record", Proof, Src::Applicant),
        ],
        steps: QUICK,
        legal_basis: "《中华人民共和国母婴保健法》",
    },
    Template {
        basic: "000107002000",
        zh: "医师执业注册",
        bo: "སྨན་པའི་ལས་གཉེར་ཐོ་འགོད།",
        en: "Registration of a physician's practice",
        item_type: ItemType::Licensing,
        kind: "health",
        at: At::Prefectures,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 20,
        promised: 5,
        fee_fen: None,
        window: "卫生健康窗口",
        high_frequency: false,
        life_events: &[],
        materials: &[
            m(
                "医师执业注册申请审核表",
                "Application form",
                Form,
                Src::Applicant,
            ),
            ID_CARD,
            m(
                "医师资格证书",
                "Physician qualification certificate",
                Cert,
                Src::Cert("health", 2),
            ),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国医师法》",
    },
    Template {
        basic: "000108001000",
        zh: "城乡居民医疗保险参保登记",
        bo: "གྲོང་ཁྱེར་གྲོང་གསེབ་མི་དམངས་འཕྲོད་བསྟེན་ཉེན་འགོག་ཞུགས་ཐོ།",
        en: "Enrolment in residents' medical insurance",
        item_type: ItemType::PublicService,
        kind: "medical-insurance",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 5,
        promised: 1,
        fee_fen: None,
        window: "医保窗口",
        high_frequency: true,
        life_events: &["birth", "social-insurance"],
        materials: &[ID_CARD, HOUSEHOLD],
        steps: QUICK,
        legal_basis: "《中华人民共和国社会保险法》",
    },
    Template {
        basic: "000108002000",
        zh: "异地就医备案",
        bo: "ཡུལ་གཞན་དུ་སྨན་བཅོས་ཟིན་འགོད།",
        en: "Registering medical treatment elsewhere",
        item_type: ItemType::PublicService,
        kind: "medical-insurance",
        at: At::Prefectures,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 1,
        promised: 1,
        fee_fen: None,
        window: "医保窗口",
        high_frequency: true,
        life_events: &["travel"],
        materials: &[ID_CARD],
        steps: QUICK,
        legal_basis: "《基本医疗保险跨省异地就医直接结算经办规程》",
    },
    Template {
        basic: "000109001000",
        zh: "义务教育阶段入学登记",
        bo: "ལྟ་ཚད་སློབ་གསོའི་སློབ་ཞུགས་ཐོ་འགོད།",
        en: "School enrolment for compulsory education",
        item_type: ItemType::PublicService,
        kind: "education",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 30,
        promised: 10,
        fee_fen: None,
        window: "教育窗口",
        high_frequency: true,
        life_events: &["education"],
        materials: &[
            HOUSEHOLD,
            m(
                "适龄儿童居民身份证或出生医学证明",
                "Child's identity card or birth certificate",
                Cert,
                Src::Cert("health", 1),
            ),
        ],
        steps: QUICK,
        legal_basis: "《中华人民共和国义务教育法》",
    },
    Template {
        basic: "000110001000",
        zh: "道路货物运输经营许可",
        bo: "ལམ་ཐོག་དངོས་པོ་འདྲེན་སྐྱེལ་ཚོང་གཉེར་ཆོག་མཆན།",
        en: "Road freight transport licence",
        item_type: ItemType::Licensing,
        kind: "transport",
        at: At::Prefectures,
        object: ServiceObject::Entity,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 20,
        promised: 5,
        fee_fen: None,
        window: "交通运输窗口",
        high_frequency: false,
        life_events: &["licences"],
        materials: &[
            m(
                "道路货物运输经营申请表",
                "Application form",
                Form,
                Src::Applicant,
            ),
            LICENCE,
            m(
                "车辆行驶证",
                "Vehicle registration",
                Cert,
                Src::Cert("public-security", 2),
            ),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国道路运输条例》",
    },
    Template {
        basic: "000111001000",
        zh: "草原承包经营权证核发",
        bo: "རྩྭ་ཐང་འགན་ལེན་ཚོང་གཉེར་དབང་ཆའི་ལག་ཁྱེར་སྤྲོད་པ།",
        en: "Grassland contract certificate",
        item_type: ItemType::Confirmation,
        kind: "agriculture",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 30,
        promised: 15,
        fee_fen: None,
        window: "农牧窗口",
        high_frequency: true,
        life_events: &["herding"],
        materials: &[
            m(
                "草原承包合同",
                "Grassland contract",
                Proof,
                Src::Registry("natural-resources.grassland"),
            ),
            ID_CARD,
            HOUSEHOLD,
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国草原法》",
    },
    Template {
        basic: "000111002000",
        zh: "草原生态保护补助奖励发放",
        bo: "རྩྭ་ཐང་སྐྱེ་ཁམས་སྲུང་སྐྱོབ་རོགས་དངུལ་སྤྲོད་པ།",
        en: "Grassland ecological protection subsidies",
        item_type: ItemType::Benefit,
        kind: "agriculture",
        at: At::Counties,
        object: ServiceObject::Person,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 30,
        promised: 20,
        fee_fen: None,
        window: "农牧窗口",
        high_frequency: true,
        life_events: &["herding"],
        materials: &[
            ID_CARD,
            m(
                "草原承包经营权证",
                "Grassland contract certificate",
                Cert,
                Src::Cert("agriculture", 1),
            ),
            m(
                "社会保障卡",
                "Social security card",
                Cert,
                Src::Cert("hr-social-security", 1),
            ),
        ],
        steps: STEPS,
        legal_basis: "《草原生态保护补助奖励政策实施指导意见》",
    },
    Template {
        basic: "000111003000",
        zh: "动物防疫条件合格证核发",
        bo: "སེམས་ཅན་ནད་འགོག་ཆ་རྐྱེན་ཚད་ལྡན་ལག་ཁྱེར།",
        en: "Animal epidemic prevention certificate",
        item_type: ItemType::Licensing,
        kind: "agriculture",
        at: At::Counties,
        object: ServiceObject::Both,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 20,
        promised: 10,
        fee_fen: None,
        window: "农牧窗口",
        high_frequency: false,
        life_events: &["herding", "agri-business"],
        materials: &[
            m(
                "动物防疫条件审查申请表",
                "Application form",
                Form,
                Src::Applicant,
            ),
            m("场所地理位置图", "Site location map", Proof, Src::Applicant),
        ],
        steps: STEPS,
        legal_basis: "《中华人民共和国动物防疫法》",
    },
    Template {
        basic: "000112001000",
        zh: "企业投资项目备案",
        bo: "ཁེ་ལས་མ་འཇོག་ལས་གཞི་ཟིན་འགོད།",
        en: "Filing of an enterprise investment project",
        item_type: ItemType::OtherPower,
        kind: "development-reform",
        at: At::Region,
        object: ServiceObject::Entity,
        depth: OnlineDepth::FullyOnline,
        visits: 0,
        statutory: 3,
        promised: 1,
        fee_fen: None,
        window: "投资项目窗口",
        high_frequency: false,
        life_events: &["investment"],
        materials: &[
            m(
                "项目备案信息表",
                "Project information form",
                Form,
                Src::Applicant,
            ),
            LICENCE,
        ],
        steps: QUICK,
        legal_basis: "《企业投资项目核准和备案管理条例》",
    },
    Template {
        basic: "000112002000",
        zh: "企业投资项目核准",
        bo: "ཁེ་ལས་མ་འཇོག་ལས་གཞི་ཆོག་མཆན།",
        en: "Approval of an enterprise investment project",
        item_type: ItemType::Licensing,
        kind: "development-reform",
        at: At::Region,
        object: ServiceObject::Entity,
        depth: OnlineDepth::OnlineApplication,
        visits: 1,
        statutory: 20,
        promised: 15,
        fee_fen: None,
        window: "投资项目窗口",
        high_frequency: false,
        life_events: &["investment"],
        materials: &[
            m(
                "项目申请报告",
                "Project application report",
                Form,
                Src::Applicant,
            ),
            LICENCE,
            Mat {
                zh: "用地预审意见",
                en: "Land use pre-review",
                kind: Proof,
                src: Src::Applicant,
                condition: Some("需新增建设用地的"),
            },
        ],
        steps: STEPS,
        legal_basis: "《企业投资项目核准和备案管理条例》",
    },
];

/// Words people search with that are not in the name (the certificate an item produces).
fn themes_of(basic: &str) -> Vec<String> {
    let words: &[&str] = match basic {
        "000105001000" | "000105002000" => &["营业执照", "business licence", "ཚོང་ལས་ལག་ཁྱེར།"],
        "000105003000" | "000105004000" => &["食品经营许可证", "food licence", "餐饮"],
        "000102001000" => &["结婚证", "结婚", "marriage certificate"],
        "000102002000" => &["低保", "dibao", "subsistence allowance"],
        "000104001000" | "000104002000" => &["不动产权证书", "房产证", "property certificate"],
        _ => &[],
    };
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Where every item is implemented, with the implementing department.
fn bodies(at: At) -> Vec<DivisionCode> {
    kernel::division::builtin()
        .iter()
        .filter(|d| d.retired_in.is_none() && d.code.level() == level_of(at))
        .map(|d| d.code)
        .collect()
}

fn level_of(at: At) -> Level {
    match at {
        At::Region => Level::Province,
        At::Prefectures => Level::Prefecture,
        At::Counties => Level::County,
    }
}

/// Departments' credit codes, each read once.
#[derive(Default)]
struct Credits(std::collections::HashMap<String, Option<CreditCode>>);

impl Credits {
    async fn of(&mut self, db: &Db, department: &str) -> Result<Option<CreditCode>, DbError> {
        if let Some(c) = self.0.get(department) {
            return Ok(*c);
        }
        let c = org::store::department(db, department)
            .await?
            .and_then(|d| d.credit_code)
            .and_then(|c| CreditCode::parse(&c).ok());
        self.0.insert(department.to_owned(), c);
        Ok(c)
    }
}

/// The demo items, one per implementing body of each standardized item.
pub async fn demo_items(db: &Db) -> Result<Vec<ItemBody>, DbError> {
    let region = DivisionCode::parse("540000").map_err(|e| DbError::Conflict(e.to_string()))?;
    let mut out = Vec::new();
    let mut credits = Credits::default();
    for t in TEMPLATES {
        let Ok(basic) = BasicCode::parse(t.basic) else {
            continue;
        };
        for division in bodies(t.at) {
            let department = format!("{division}-{}", t.kind);
            let Some(credit) = credits.of(db, &department).await? else {
                continue;
            };
            let Ok(code) = ImplementationCode::compose(&credit, &basic, "1") else {
                continue;
            };
            let mut materials = Vec::new();
            for mat in t.materials {
                let source = match mat.src {
                    Src::Applicant => MaterialSource::Applicant,
                    Src::Registry(field) => MaterialSource::Registry {
                        field: field.to_owned(),
                    },
                    Src::Cert(kind, n) => {
                        match credits.of(db, &format!("{region}-{kind}")).await? {
                            Some(c) => MaterialSource::Certificate {
                                type_code: format!("{}{n:03}", c.as_str()),
                            },
                            None => MaterialSource::Applicant,
                        }
                    }
                };
                materials.push(Material {
                    name_zh: mat.zh.to_owned(),
                    name_bo: String::new(),
                    name_en: mat.en.to_owned(),
                    kind: mat.kind,
                    condition: mat.condition.map(str::to_owned),
                    originals: 1,
                    copies: 0,
                    source,
                });
            }
            let in_centre = !t.window.is_empty();
            out.push(ItemBody {
                code,
                basic_code: basic.clone(),
                name_zh: t.zh.to_owned(),
                name_bo: t.bo.to_owned(),
                name_en: t.en.to_owned(),
                item_type: t.item_type,
                department,
                level: level_of(t.at),
                divisions: vec![division],
                legal_basis: t.legal_basis.to_owned(),
                conditions: "符合法定条件的申请人".to_owned(),
                materials,
                steps: t.steps.iter().map(|s| (*s).to_owned()).collect(),
                statutory_days: t.statutory,
                promised_days: t.promised,
                case_type: if t.promised <= 1 {
                    CaseType::Immediate
                } else {
                    CaseType::Promised
                },
                fee_fen: t.fee_fen,
                fee_basis: if t.fee_fen.is_some() {
                    "按国家规定标准收取".to_owned()
                } else {
                    String::new()
                },
                place: "政务服务中心".to_owned(),
                hours: "工作日 9:30–13:00，15:30–18:00".to_owned(),
                visits: t.visits,
                online_depth: t.depth,
                in_centre,
                window_category: t.window.to_owned(),
                service_object: t.object,
                high_frequency: t.high_frequency,
                life_events: t.life_events.iter().map(|s| (*s).to_owned()).collect(),
                themes: themes_of(t.basic),
                consultation: "12345".to_owned(),
                complaint: "12345".to_owned(),
                special_procedures: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// Loads the demo catalogue unless items exist; returns how many were loaded.
pub async fn seed_demo(db: &Db) -> Result<usize, CatalogError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM catalog_items")
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
    if existing > 0 {
        return Ok(0);
    }
    let items = demo_items(db).await?;
    service::load_published(db, &items, "system:demo").await
}
