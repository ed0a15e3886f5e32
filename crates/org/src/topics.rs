//! Department kinds and the life-event topics people look for them by (for persons: 户籍,
//! 社会救助…; for enterprises: 企业开办, 工程建设…). The service catalogue will hang its items
//! on the same topics; until it does, a topic leads to the departments that handle it.

/// A department kind: code, Chinese name at region level, below it, English, Tibetan.
pub struct DepartmentKind {
    pub code: &'static str,
    pub zh_region: &'static str,
    pub zh_local: &'static str,
    pub en: &'static str,
    pub bo: &'static str,
}

pub const DEPARTMENT_KINDS: &[DepartmentKind] = &[
    DepartmentKind {
        code: "public-security",
        zh_region: "公安厅",
        zh_local: "公安局",
        en: "Public Security Bureau",
        bo: "སྤྱི་བདེ་ཅུས།",
    },
    DepartmentKind {
        code: "civil-affairs",
        zh_region: "民政厅",
        zh_local: "民政局",
        en: "Civil Affairs Bureau",
        bo: "མི་དམངས་སྲིད་དོན་ཅུས།",
    },
    DepartmentKind {
        code: "hr-social-security",
        zh_region: "人力资源和社会保障厅",
        zh_local: "人力资源和社会保障局",
        en: "Human Resources and Social Security Bureau",
        bo: "མི་ཤུགས་ཐོན་ཁུངས་དང་སྤྱི་ཚོགས་འགན་སྲུང་ཅུས།",
    },
    DepartmentKind {
        code: "market-regulation",
        zh_region: "市场监督管理局",
        zh_local: "市场监督管理局",
        en: "Administration for Market Regulation",
        bo: "ཚོང་ར་ལྟ་རྟོག་དོ་དམ་ཅུས།",
    },
    DepartmentKind {
        code: "natural-resources",
        zh_region: "自然资源厅",
        zh_local: "自然资源局",
        en: "Natural Resources Bureau",
        bo: "རང་བྱུང་ཐོན་ཁུངས་ཅུས།",
    },
    DepartmentKind {
        code: "housing",
        zh_region: "住房和城乡建设厅",
        zh_local: "住房和城乡建设局",
        en: "Housing and Urban-Rural Development Bureau",
        bo: "སྡོད་ཁང་དང་གྲོང་ཁྱེར་གྲོང་གསེབ་འཛུགས་སྐྲུན་ཅུས།",
    },
    DepartmentKind {
        code: "development-reform",
        zh_region: "发展和改革委员会",
        zh_local: "发展和改革委员会",
        en: "Development and Reform Commission",
        bo: "འཕེལ་རྒྱས་དང་བཅོས་སྒྱུར་ཨུ་ཡོན་ལྷན་ཁང་།",
    },
    DepartmentKind {
        code: "health",
        zh_region: "卫生健康委员会",
        zh_local: "卫生健康委员会",
        en: "Health Commission",
        bo: "འཕྲོད་བསྟེན་ཨུ་ཡོན་ལྷན་ཁང་།",
    },
    DepartmentKind {
        code: "medical-insurance",
        zh_region: "医疗保障局",
        zh_local: "医疗保障局",
        en: "Healthcare Security Bureau",
        bo: "སྨན་བཅོས་འགན་སྲུང་ཅུས།",
    },
    DepartmentKind {
        code: "education",
        zh_region: "教育厅",
        zh_local: "教育局",
        en: "Education Bureau",
        bo: "སློབ་གསོ་ཅུས།",
    },
    DepartmentKind {
        code: "transport",
        zh_region: "交通运输厅",
        zh_local: "交通运输局",
        en: "Transport Bureau",
        bo: "འགྲིམ་འགྲུལ་སྐྱེལ་འདྲེན་ཅུས།",
    },
    DepartmentKind {
        code: "agriculture",
        zh_region: "农业农村厅",
        zh_local: "农业农村局",
        en: "Agriculture and Rural Affairs Bureau",
        bo: "ཞིང་ལས་དང་གྲོང་གསེབ་ཅུས།",
    },
    DepartmentKind {
        code: "taxation",
        zh_region: "税务局",
        zh_local: "税务局",
        en: "Taxation Bureau",
        bo: "ཁྲལ་དོན་ཅུས།",
    },
    DepartmentKind {
        code: "staffing",
        zh_region: "机构编制委员会办公室",
        zh_local: "机构编制委员会办公室",
        en: "Staffing Office",
        bo: "ལས་གནས་འཆར་སྒྲིག་ཨུ་ཡོན་ལྷན་ཁང་གི་གཞུང་ལས་ཁང་།",
    },
    DepartmentKind {
        code: "finance",
        zh_region: "财政厅",
        zh_local: "财政局",
        en: "Finance Bureau",
        bo: "དངུལ་རྩིས་ཅུས།",
    },
];

pub fn department_kind(code: &str) -> Option<&'static DepartmentKind> {
    DEPARTMENT_KINDS.iter().find(|k| k.code == code)
}

/// Who a topic is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Person,
    Enterprise,
}

/// A life event or business topic, with the department kinds that handle it.
pub struct Topic {
    pub code: &'static str,
    pub audience: Audience,
    pub kinds: &'static [&'static str],
}

pub const TOPICS: &[Topic] = &[
    Topic {
        code: "birth",
        audience: Audience::Person,
        kinds: &["health", "public-security", "medical-insurance"],
    },
    Topic {
        code: "household",
        audience: Audience::Person,
        kinds: &["public-security"],
    },
    Topic {
        code: "social-assistance",
        audience: Audience::Person,
        kinds: &["civil-affairs"],
    },
    Topic {
        code: "social-insurance",
        audience: Audience::Person,
        kinds: &["hr-social-security", "medical-insurance"],
    },
    Topic {
        code: "employment",
        audience: Audience::Person,
        kinds: &["hr-social-security"],
    },
    Topic {
        code: "marriage",
        audience: Audience::Person,
        kinds: &["civil-affairs"],
    },
    Topic {
        code: "education",
        audience: Audience::Person,
        kinds: &["education"],
    },
    Topic {
        code: "housing",
        audience: Audience::Person,
        kinds: &["housing", "natural-resources"],
    },
    Topic {
        code: "travel",
        audience: Audience::Person,
        kinds: &["transport", "public-security"],
    },
    Topic {
        code: "herding",
        audience: Audience::Person,
        kinds: &["agriculture", "natural-resources"],
    },
    Topic {
        code: "start-business",
        audience: Audience::Enterprise,
        kinds: &["market-regulation"],
    },
    Topic {
        code: "licences",
        audience: Audience::Enterprise,
        kinds: &["market-regulation", "health"],
    },
    Topic {
        code: "construction",
        audience: Audience::Enterprise,
        kinds: &["housing", "natural-resources", "development-reform"],
    },
    Topic {
        code: "investment",
        audience: Audience::Enterprise,
        kinds: &["development-reform"],
    },
    Topic {
        code: "staff",
        audience: Audience::Enterprise,
        kinds: &["hr-social-security", "medical-insurance"],
    },
    Topic {
        code: "agri-business",
        audience: Audience::Enterprise,
        kinds: &["agriculture", "market-regulation"],
    },
];

pub fn topic(code: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.code == code)
}

/// The Fluent key of a topic's name.
pub fn topic_key(code: &str) -> String {
    format!("topic-{code}")
}
