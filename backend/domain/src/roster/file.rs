//! Reading a roster file into a table of cells with their line numbers: CSV (UTF-8 with or
//! without BOM, comma or semicolon, CRLF, quoted fields) or XLSX (the first sheet).
//!
//! Anyone may send a file, so reading it is bounded by [`limits`] before it can cost memory
//! or time: the XLSX's ZIP parts are measured decompressed (their declared sizes are not
//! trusted) before the workbook is opened, and its sheet is read as a stream of cells, never
//! as a rectangle (a single cell at XFD1048576 would otherwise make a 17-billion-cell grid).
//! A file past a limit is refused as a whole with a message saying which limit; a malformed
//! CSV record is refused with its line.

use std::io::{Cursor, Read};

/// How large a roster file may be. Each is checked while reading, before the memory it
/// would take is allocated; HTTP bodies are also capped by `LMS_MAX_BODY_BYTES`.
pub mod limits {
    /// Bytes of the file as uploaded.
    pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
    /// Rows under the header (CSV records, or the sheet's rows 2 to 100,001).
    pub const MAX_ROWS: usize = 100_000;
    /// Columns (a roster has 7; the rest is room for the sheets people keep).
    pub const MAX_COLUMNS: usize = 64;
    /// Cells kept in the table, counting the empty ones before each row's last value.
    pub const MAX_CELLS: usize = 1_000_000;
    /// Bytes of one cell's text (the longest roster field is 255 characters).
    pub const MAX_CELL_BYTES: usize = 4 * 1024;
    /// Bytes of all the cells' text together (an XLSX may repeat one shared string in
    /// every cell).
    pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
    /// XLSX: parts (files) in the ZIP.
    pub const MAX_ZIP_PARTS: usize = 1_000;
    /// XLSX: decompressed bytes of one worksheet (read as a stream).
    pub const MAX_SHEET_BYTES: u64 = 48 * 1024 * 1024;
    /// XLSX: decompressed bytes of the shared strings (held in memory while reading).
    pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 * 1024 * 1024;
    /// XLSX: decompressed bytes of any other part (workbook, styles, relationships...).
    pub const MAX_OTHER_PART_BYTES: u64 = 4 * 1024 * 1024;
    /// XLSX: decompressed bytes of all the parts together.
    pub const MAX_UNZIPPED_BYTES: u64 = 80 * 1024 * 1024;
}

use limits::*;

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
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} MiB",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

/// Counts what a table holds against [`limits`] as its rows are added.
#[derive(Default)]
struct Budget {
    cells: usize,
    text_bytes: usize,
}

impl Budget {
    /// Takes one row of `width` cells whose text totals `text` bytes (`line` for messages).
    fn take(&mut self, line: usize, width: usize, text: usize) -> Result<(), String> {
        if width > MAX_COLUMNS {
            return Err(format!("line {line}: more than {MAX_COLUMNS} columns"));
        }
        self.cells += width;
        self.text_bytes += text;
        if self.cells > MAX_CELLS {
            return Err(format!(
                "line {line}: the file has more than {MAX_CELLS} cells; split it into smaller files"
            ));
        }
        if self.text_bytes > MAX_TEXT_BYTES {
            return Err(format!(
                "line {line}: the file has more than {} MiB of text; split it into smaller files",
                MAX_TEXT_BYTES / (1024 * 1024)
            ));
        }
        Ok(())
    }
}

fn too_many_rows(line: usize) -> String {
    format!("line {line}: the file is larger than {MAX_ROWS} rows; split it into smaller files")
}

fn cell_too_long(line: usize, column: usize) -> String {
    format!(
        "line {line}, column {}: a cell longer than {MAX_CELL_BYTES} bytes",
        column_name(column)
    )
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`, `16383` → `XFD`.
fn column_name(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
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
    let mut budget = Budget::default();
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    budget.take(1, header.len(), header.iter().map(String::len).sum())?;
    let mut rows = Vec::new();
    // Lines are counted incrementally: counting from the start for every record would take
    // time quadratic in the file's size.
    let bytes = text.as_bytes();
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(format!("line {line}: {e}"));
            }
        }
        // The line the record starts on, counted from its byte offset (as editors count).
        let line = record.position().map_or(0, |p| {
            // With CRLF the record's position can point at the previous line's "\n".
            let mut at = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
                at += 1;
            }
            if at >= counted_to {
                newlines += bytes[counted_to..at]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted_to = at;
            }
            newlines + 1
        });
        if record.len() > MAX_COLUMNS {
            budget.take(line, record.len(), 0)?;
        }
        if let Some(i) = record.iter().position(|c| c.len() > MAX_CELL_BYTES) {
            return Err(cell_too_long(line, i));
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(too_many_rows(line));
        }
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        budget.take(line, cells.len(), cells.iter().map(String::len).sum())?;
        rows.push((line, cells));
    }
    Ok(Table { header, rows })
}

/// Checks an XLSX's ZIP before the workbook is opened: its parts, measured by
/// decompressing each one into nothing up to its limit (the sizes a ZIP declares are not
/// trusted: a few KB may inflate to GBs).
fn check_zip(bytes: &[u8]) -> Result<(), String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("not a readable XLSX file: {e}");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_ZIP_PARTS {
        return Err(format!(
            "not a roster workbook: its ZIP has more than {MAX_ZIP_PARTS} parts"
        ));
    }
    let mut total = 0u64;
    let mut sink = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let name = part.name().to_ascii_lowercase();
        let limit = if name.starts_with("xl/worksheets/") {
            MAX_SHEET_BYTES
        } else if name == "xl/sharedstrings.xml" {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_OTHER_PART_BYTES
        };
        let mut size = 0u64;
        let mut bounded = (&mut part).take(limit + 1);
        loop {
            let n = bounded.read(&mut sink).map_err(|e| unreadable(&e))?;
            if n == 0 {
                break;
            }
            size += n as u64;
        }
        let name = part.name().to_owned();
        if size > limit {
            return Err(format!(
                "the workbook's part {name} is larger than {} MiB once decompressed",
                limit / (1024 * 1024)
            ));
        }
        total += size;
        if total > MAX_UNZIPPED_BYTES {
            return Err(format!(
                "the workbook is larger than {} MiB once decompressed",
                MAX_UNZIPPED_BYTES / (1024 * 1024)
            ));
        }
    }
    Ok(())
}

/// XLSX: the first worksheet; numbers that are whole are written without ".0". The sheet is
/// read cell by cell: its declared dimension and every value's position are checked
/// against [`limits`] before anything is kept.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, String> {
    if !bytes.starts_with(b"PK") {
        return Err("not a readable XLSX file: it is not a ZIP archive".into());
    }
    check_zip(bytes)?;
    // calamine does arithmetic on the positions it reads (a reversed or overlong range);
    // a file that makes it panic is refused like any other unreadable file.
    std::panic::catch_unwind(|| read_sheet(bytes))
        .unwrap_or_else(|_| Err("not a readable XLSX file".into()))
}

fn read_sheet(bytes: &[u8]) -> Result<Table, String> {
    use calamine::{Data, DataRef, Reader, Xlsx};
    use std::collections::BTreeMap;
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("not a readable XLSX file: {e}"))?;
    let name = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or("the workbook has no sheet")?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    let too_large = |at: &str| {
        format!(
            "the sheet is larger than {MAX_ROWS} rows under its header and {MAX_COLUMNS} columns ({at}); keep the roster in the first {MAX_COLUMNS} columns and split it into files of at most {MAX_ROWS} rows"
        )
    };
    let cell_name =
        |(row, col): (u32, u32)| format!("{}{}", column_name(col as usize), u64::from(row) + 1);
    let fits = |(row, col): (u32, u32)| row as usize <= MAX_ROWS && (col as usize) < MAX_COLUMNS;
    let declared = cells.dimensions();
    if !fits(declared.end) {
        return Err(too_large(&format!(
            "it declares the range {}:{}",
            cell_name(declared.start),
            cell_name(declared.end)
        )));
    }
    let text = |c: DataRef<'_>| -> String {
        match Data::from(c) {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().to_owned(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            Data::Int(i) => i.to_string(),
            other => other.to_string().trim().to_owned(),
        }
    };
    // Row → (column, text) of the values only; empty cells take nothing.
    let mut values: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let (mut count, mut text_bytes) = (0usize, 0usize);
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(format!("the first sheet cannot be read: {e}")),
        };
        let pos = cell.get_position();
        let line = pos.0 as usize + 1;
        let raw_len = match cell.get_value() {
            DataRef::SharedString(s) => s.len(),
            DataRef::String(s) => s.len(),
            _ => 0,
        };
        if raw_len > MAX_CELL_BYTES {
            return Err(cell_too_long(line, pos.1 as usize));
        }
        let value = text(cell.get_value().clone());
        if value.is_empty() {
            continue;
        }
        if !fits(pos) {
            return Err(too_large(&format!("it has a value in {}", cell_name(pos))));
        }
        if value.len() > MAX_CELL_BYTES {
            return Err(cell_too_long(line, pos.1 as usize));
        }
        count += 1;
        text_bytes += value.len();
        if count > MAX_CELLS || text_bytes > MAX_TEXT_BYTES {
            return Err(format!(
                "line {line}: the sheet has more than {MAX_CELLS} cells or {} MiB of text; split it into smaller files",
                MAX_TEXT_BYTES / (1024 * 1024)
            ));
        }
        values.entry(pos.0).or_default().push((pos.1, value));
    }
    drop(cells);
    // Columns count from the leftmost value, rows from the first row with a value (the
    // header), as people see the table.
    let first_column = values
        .values()
        .flat_map(|r| r.iter().map(|(c, _)| *c))
        .min()
        .unwrap_or(0);
    let mut budget = Budget::default();
    let mut rows = values.into_iter().map(|(row, mut cells)| {
        cells.sort_by_key(|(c, _)| *c);
        let width = cells
            .last()
            .map_or(0, |(c, _)| (c - first_column) as usize + 1);
        let mut out = vec![String::new(); width.min(MAX_COLUMNS)];
        for (c, v) in cells {
            if let Some(slot) = out.get_mut((c - first_column) as usize) {
                *slot = v;
            }
        }
        (row as usize + 1, out)
    });
    let header = match rows.next() {
        Some((line, header)) => {
            budget.take(line, header.len(), 0)?;
            header
        }
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (line, cells) in rows {
        budget.take(line, cells.len(), 0)?;
        out.push((line, cells));
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

#[cfg(test)]
mod limit_tests {
    use std::io::Write;
    use std::time::{Duration, Instant};

    use super::*;

    /// The smallest workbook calamine opens, with `shared` as its shared strings (when
    /// given) and whatever `sheet` writes as its first worksheet.
    fn workbook(shared: Option<&str>, sheet: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut parts = vec![
            (
                "_rels/.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
            ),
            (
                "xl/workbook.xml",
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
            ),
        ];
        if let Some(s) = shared {
            parts.push(("xl/sharedStrings.xml", format!(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{s}</t></si></sst>"#)));
        }
        for (name, xml) in parts {
            zip.start_file(name, options).unwrap();
            zip.write_all(xml.as_bytes()).unwrap();
        }
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        sheet(&mut zip);
        zip.finish().unwrap().into_inner()
    }

    fn sheet_xml(dimension: Option<&str>, rows: &str) -> impl FnOnce(&mut dyn Write) {
        let dimension = dimension
            .map(|d| format!(r#"<dimension ref="{d}"/>"#))
            .unwrap_or_default();
        let xml = format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>"#
        );
        move |w: &mut dyn Write| w.write_all(xml.as_bytes()).unwrap()
    }

    const HEADER: &str =
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Employee ID</t></is></c></row>"#;

    #[test]
    fn a_plain_sheet_reads_from_its_first_value() {
        let rows = r#"<row r="3"><c r="B3" t="inlineStr"><is><t>Employee ID</t></is></c><c r="C3" t="inlineStr"><is><t>Full name</t></is></c></row><row r="4"><c r="B4"><v>1001</v></c><c r="D4" t="inlineStr"><is><t> x </t></is></c></row><row r="6"><c r="C6" t="s"><v>0</v></c></row>"#;
        let t = read_xlsx(&workbook(Some("Lan"), sheet_xml(Some("B3:D6"), rows))).unwrap();
        assert_eq!(t.header, vec!["Employee ID", "Full name"]);
        assert_eq!(
            t.rows,
            vec![
                (4, vec!["1001".into(), String::new(), "x".into()]),
                (6, vec![String::new(), "Lan".into()])
            ]
        );
    }

    #[test]
    fn a_far_away_cell_is_refused_quickly_whether_declared_or_not() {
        for (dimension, far) in [
            (Some("A1:XFD1048576"), "XFD1048576"),
            (Some("A1:XFD1000"), "XFD1000"),
            (None, "XFD1048576"),
            (None, "A200000"),
            (None, "BM2"),
        ] {
            let row: String = far.chars().filter(char::is_ascii_digit).collect();
            let rows = format!(r#"{HEADER}<row r="{row}"><c r="{far}"><v>1</v></c></row>"#);
            let started = Instant::now();
            let err = read_xlsx(&workbook(None, sheet_xml(dimension, &rows))).unwrap_err();
            assert!(started.elapsed() < Duration::from_secs(2));
            assert!(
                err.starts_with(
                    "the sheet is larger than 100000 rows under its header and 64 columns"
                ),
                "{err}"
            );
            assert!(err.contains(far), "{err}");
        }
        // Empty cells (formatting only) far away take nothing and are not refused.
        let rows = format!(r#"{HEADER}<row r="1048576"><c r="XFD1048576" s="1"/></row>"#);
        let t = read_xlsx(&workbook(None, sheet_xml(None, &rows))).unwrap();
        assert!(t.rows.is_empty());
    }

    #[test]
    fn overflowing_ranges_are_unreadable_not_a_crash() {
        // calamine's arithmetic on these overflows (a panic in debug builds, caught).
        for dimension in ["A99999999999", "A1:ZZZZZZZZ1"] {
            let r = read_xlsx(&workbook(None, sheet_xml(Some(dimension), HEADER)));
            assert!(r.is_err(), "{dimension}: {r:?}");
        }
    }

    #[test]
    fn one_shared_string_repeated_in_every_cell_is_bounded() {
        let long = "x".repeat(MAX_CELL_BYTES + 1);
        let rows = format!(r#"{HEADER}<row r="2"><c r="B2" t="s"><v>0</v></c></row>"#);
        let err = read_xlsx(&workbook(Some(&long), sheet_xml(None, &rows))).unwrap_err();
        assert_eq!(err, "line 2, column B: a cell longer than 4096 bytes");

        // 4 KB referenced by 9,000 cells is 36 MB of text for a 100 KB file.
        let text = "x".repeat(4000);
        let mut rows = String::from(HEADER);
        for r in 2..=1501 {
            rows.push_str(&format!(r#"<row r="{r}">"#));
            for c in ["A", "B", "C", "D", "E", "F"] {
                rows.push_str(&format!(r#"<c r="{c}{r}" t="s"><v>0</v></c>"#));
            }
            rows.push_str("</row>");
        }
        let err = read_xlsx(&workbook(Some(&text), sheet_xml(None, &rows))).unwrap_err();
        assert!(
            err.contains("more than 1000000 cells or 32 MiB of text"),
            "{err}"
        );
    }

    #[test]
    fn a_zip_bomb_is_measured_decompressed_and_refused() {
        let bomb = workbook(None, |w| {
            w.write_all(br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
            let spaces = vec![b' '; 1024 * 1024];
            for _ in 0..49 {
                w.write_all(&spaces).unwrap();
            }
            w.write_all(b"</sheetData></worksheet>").unwrap();
        });
        assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
        let err = read_xlsx(&bomb).unwrap_err();
        assert_eq!(
            err,
            "the workbook's part xl/worksheets/sheet1.xml is larger than 48 MiB once decompressed"
        );
        let shared = "y".repeat(17 * 1024 * 1024);
        let err = read_xlsx(&workbook(Some(&shared), sheet_xml(None, HEADER))).unwrap_err();
        assert!(
            err.contains("xl/sharedStrings.xml is larger than 16 MiB"),
            "{err}"
        );
    }

    #[test]
    fn not_a_zip_or_too_big_is_refused_before_parsing() {
        assert!(read_xlsx(b"not a zip").unwrap_err().contains("not a ZIP"));
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(
            read(Format::Csv, &big).unwrap_err(),
            "the file is larger than 8 MiB"
        );
    }

    #[test]
    fn csv_rows_columns_and_cells_are_bounded() {
        let wide = format!("a\n{}\n", vec!["x"; MAX_COLUMNS + 1].join(","));
        assert_eq!(
            read_csv(wide.as_bytes()).unwrap_err(),
            "line 2: more than 64 columns"
        );
        let long = format!("a,b\nx,{}\n", "y".repeat(MAX_CELL_BYTES + 1));
        assert_eq!(
            read_csv(long.as_bytes()).unwrap_err(),
            "line 2, column B: a cell longer than 4096 bytes"
        );
        let many = format!("a\n{}", "x\n".repeat(MAX_ROWS + 1));
        assert_eq!(
            read_csv(many.as_bytes()).unwrap_err(),
            "line 100002: the file is larger than 100000 rows; split it into smaller files"
        );
        let exactly = format!("a\n{}", "x\n".repeat(MAX_ROWS));
        assert_eq!(read_csv(exactly.as_bytes()).unwrap().rows.len(), MAX_ROWS);
    }

    #[test]
    fn csv_line_numbers_cost_linear_time() {
        // 400,000 blank lines then one row: counting each record's line from the start of
        // the file would take minutes.
        let text = format!("a,b\n{}x,y\n", "\n,\n".repeat(200_000));
        let started = Instant::now();
        let t = read_csv(text.as_bytes()).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(t.rows, vec![(400_002, vec!["x".into(), "y".into()])]);
    }
}
