//! Reading a roster file into a table of cells with their line numbers: CSV (UTF-8 with or
//! without BOM, comma or semicolon, CRLF, quoted fields) or XLSX (the first sheet).

/// A header and the rows under it; each row carries its line (CSV) or row (XLSX) number as
/// people see it in their editor, 1-based, the header being line 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The file formats HR uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// From a content type or a file name; XLSX files are also recognised by their ZIP magic.
    pub fn detect(content_type: Option<&str>, bytes: &[u8]) -> Format {
        let xlsx = content_type.is_some_and(|t| t.contains("spreadsheetml") || t.contains("xlsx"));
        if xlsx || bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// Reads a file of either format.
pub fn read(format: Format, bytes: &[u8]) -> Result<Table, String> {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

/// CSV: the delimiter (comma or semicolon) is the one the header line uses more.
pub fn read_csv(bytes: &[u8]) -> Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        format!("line {line}: the file is not UTF-8 text (save it as \"CSV UTF-8\")")
    })?;
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("line {line}: {e}")
        })?;
        // The line the record starts on, counted from its byte offset (as editors count).
        let line = record.position().map_or(0, |p| {
            // With CRLF the record's position can point at the previous line's "\n".
            let bytes = text.as_bytes();
            let mut at = (p.byte() as usize).min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
                at += 1;
            }
            bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
        });
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
    }
    Ok(Table { header, rows })
}

/// XLSX: the first worksheet; numbers that are whole are written without ".0".
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| format!("not a readable XLSX file: {e}"))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    let cell = |c: &Data| -> String {
        match c {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().to_owned(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Int(i) => i.to_string(),
            other => other.to_string().trim().to_owned(),
        }
    };
    let start_row = sheet.start().map_or(0, |(r, _)| r as usize);
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, r) in rows.enumerate() {
        let values: Vec<String> = r.iter().map(cell).collect();
        if values.iter().all(|v| v.is_empty()) {
            continue;
        }
        out.push((start_row + i + 2, values));
    }
    Ok(Table { header, rows: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_semicolons_crlf_and_quotes() {
        let text = "\u{feff}Mã cán bộ;Họ và tên;Email\r\nA1;\"Nguyễn; Văn A\";a@x.vn\r\n\r\nA2;\"Trần \"\"Bé\"\"\";\r\n";
        let t = read_csv(text.as_bytes()).unwrap();
        assert_eq!(t.header, vec!["Mã cán bộ", "Họ và tên", "Email"]);
        assert_eq!(
            t.rows[0],
            (
                2,
                vec!["A1".into(), "Nguyễn; Văn A".into(), "a@x.vn".into()]
            )
        );
        assert_eq!(t.rows[1].0, 4, "the blank line keeps its number");
        assert_eq!(t.rows[1].1[1], "Trần \"Bé\"");
    }

    #[test]
    fn not_utf8_says_where() {
        let err = read_csv(b"a,b\nx,\xff\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
