//! A mistake in a file someone gave us (a calendar, a division list, a config file), named by
//! file, line and field so that it can be found and mended.

use std::fmt;

use crate::{Localize, Message};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    pub field: String,
    pub problem: String,
}

impl FileError {
    pub fn new(file: &str, line: usize, field: &str, problem: impl Into<String>) -> FileError {
        FileError {
            file: file.to_owned(),
            line,
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    /// The 1-based line of a byte offset in `text`.
    pub fn line_of(text: &str, offset: usize) -> usize {
        text.get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.problem
        )
    }
}

impl std::error::Error for FileError {}

impl Localize for FileError {
    fn message(&self) -> Message {
        Message::new("file-error")
            .arg("file", self.file.as_str())
            .arg("line", self.line)
            .arg("field", self.field.as_str())
            .arg("problem", self.problem.as_str())
    }
}
