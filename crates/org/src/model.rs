//! The types of divisions and offices.

use kernel::division::Level;
use kernel::{DivisionCode, Lang};
use serde::Serialize;

/// A name (or address) in the platform's three languages. An empty Tibetan or English text
/// means it is not known yet; Chinese is always present.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Names {
    pub zh: String,
    pub bo: String,
    pub en: String,
}

impl Names {
    pub fn new(zh: impl Into<String>, bo: impl Into<String>, en: impl Into<String>) -> Names {
        Names {
            zh: zh.into(),
            bo: bo.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`, or the Chinese where that is not known.
    pub fn get(&self, lang: Lang) -> &str {
        let text = match lang {
            Lang::Zh => &self.zh,
            Lang::Bo => &self.bo,
            Lang::En => &self.en,
        };
        if text.is_empty() { &self.zh } else { text }
    }

    /// Whether the text shown in `lang` is really in `lang` (not the Chinese fallback).
    pub fn has(&self, lang: Lang) -> bool {
        match lang {
            Lang::Zh => true,
            Lang::Bo => !self.bo.is_empty(),
            Lang::En => !self.en.is_empty(),
        }
    }

    /// The language the text shown for `lang` is actually in.
    pub fn shown_lang(&self, lang: Lang) -> Lang {
        if self.has(lang) { lang } else { Lang::Zh }
    }
}

/// An administrative division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Division {
    pub code: DivisionCode,
    pub parent: Option<DivisionCode>,
    pub level: Level,
    pub names: Names,
    /// The last year a retired code was used; `None` while current.
    pub retired_in: Option<i32>,
    pub successor: Option<DivisionCode>,
    /// `builtin` (shipped) or `import` (from a CSV).
    pub origin: String,
    /// True while the Tibetan name is still to be filled in by an administrator.
    pub needs_tibetan_name: bool,
}

/// A government department (工作部门) at some level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    pub code: String,
    pub division: DivisionCode,
    pub credit_code: Option<String>,
    /// What it does, one of [`crate::topics::DEPARTMENT_KINDS`].
    pub kind: String,
    pub names: Names,
}

/// A service centre (政务服务中心) or a station below county level (便民服务站).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CentreKind {
    Centre,
    Station,
}

impl CentreKind {
    pub fn key(self) -> &'static str {
        match self {
            CentreKind::Centre => "centre",
            CentreKind::Station => "station",
        }
    }

    pub fn parse(s: &str) -> Option<CentreKind> {
        match s {
            "centre" => Some(CentreKind::Centre),
            "station" => Some(CentreKind::Station),
            _ => None,
        }
    }
}

/// The kind of business a window takes (and, in the hall, the queue its tickets join).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowCategory {
    /// 无差别综合窗口: accepts any item.
    Comprehensive,
    /// 企业开办.
    BusinessRegistration,
    /// 社会事务.
    SocialAffairs,
    /// 不动产登记.
    RealEstate,
    /// 投资项目审批.
    InvestmentProjects,
    /// 工程建设项目审批.
    Construction,
    /// 公安 (identity cards, household registration, exit and entry).
    PublicSecurity,
    /// 税务.
    Taxation,
}

impl WindowCategory {
    pub const ALL: [WindowCategory; 8] = [
        WindowCategory::Comprehensive,
        WindowCategory::BusinessRegistration,
        WindowCategory::SocialAffairs,
        WindowCategory::RealEstate,
        WindowCategory::InvestmentProjects,
        WindowCategory::Construction,
        WindowCategory::PublicSecurity,
        WindowCategory::Taxation,
    ];

    pub fn key(self) -> &'static str {
        match self {
            WindowCategory::Comprehensive => "comprehensive",
            WindowCategory::BusinessRegistration => "business-registration",
            WindowCategory::SocialAffairs => "social-affairs",
            WindowCategory::RealEstate => "real-estate",
            WindowCategory::InvestmentProjects => "investment-projects",
            WindowCategory::Construction => "construction",
            WindowCategory::PublicSecurity => "public-security",
            WindowCategory::Taxation => "taxation",
        }
    }

    pub fn parse(s: &str) -> Option<WindowCategory> {
        WindowCategory::ALL.into_iter().find(|c| c.key() == s)
    }

    /// The letter of its queue tickets (A001, B001 …), the same in every hall.
    pub fn letter(self) -> char {
        match self {
            WindowCategory::Comprehensive => 'A',
            WindowCategory::BusinessRegistration => 'B',
            WindowCategory::SocialAffairs => 'C',
            WindowCategory::RealEstate => 'D',
            WindowCategory::InvestmentProjects => 'E',
            WindowCategory::Construction => 'F',
            WindowCategory::PublicSecurity => 'G',
            WindowCategory::Taxation => 'H',
        }
    }
}

/// A numbered window of a centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub number: String,
    pub category: WindowCategory,
}

/// A centre or station with its windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Centre {
    pub code: String,
    pub division: DivisionCode,
    pub kind: CentreKind,
    pub names: Names,
    pub address: Names,
    /// Opening hours on working days, e.g. `09:30-13:00,15:30-18:00`.
    pub hours: String,
    pub phone: String,
    pub windows: Vec<Window>,
}
