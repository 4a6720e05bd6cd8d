use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::*;
use crate::quiz::grading::{Response, grade};
use crate::quiz::import::IdAllocator;

const FIXTURE: &str = include_str!("../fixtures/quyen_con_nguoi.gift");

fn problems(report: &ImportReport) -> Vec<(usize, &str)> {
    report
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect()
}

fn only(src: &str) -> Question {
    let report = import_gift(src);
    assert_eq!(problems(&report), vec![], "for {src:?}");
    assert_eq!(report.quiz.questions.len(), 1, "for {src:?}");
    report.quiz.questions[0].clone()
}

fn choice(id: &str, text: &str, weight: f64, feedback: Option<&str>) -> Choice {
    Choice {
        id: id.into(),
        text: text.into(),
        weight,
        feedback: feedback.map(Into::into),
    }
}

#[test]
fn imports_every_type_from_the_fixture() {
    let report = import_gift(FIXTURE);
    assert_eq!(problems(&report), vec![]);
    let q = &report.quiz.questions;
    let ids: Vec<&str> = q.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "tuyen-ngon-1948",
            "cong-uoc-viet-nam-phe-chuan",
            "q3",
            "tra-loi-ngan",
            "so",
            "khoang",
            "nam-sinh",
            "ghep-doi",
            "tu-con-thieu",
            "ky-tu-dac-biet",
        ]
    );
    assert!(report.quiz.validate().is_empty());

    assert_eq!(q[0].title.as_deref(), Some("Tuyên ngôn 1948"));
    assert_eq!(
        q[0].text,
        "Văn kiện nào được Đại hội đồng Liên Hợp Quốc thông qua năm **1948**?"
    );
    assert_eq!(
        q[0].kind,
        QuestionKind::SingleChoice {
            options: vec![
                choice(
                    "a",
                    "Tuyên ngôn toàn thế giới về quyền con người",
                    100.0,
                    Some("Đúng: ngày 10/12/1948.")
                ),
                choice(
                    "b",
                    "Công ước CEDAW",
                    0.0,
                    Some("CEDAW được thông qua năm 1979.")
                ),
                choice(
                    "c",
                    "Hiến chương Liên Hợp Quốc",
                    50.0,
                    Some("Gần đúng: Hiến chương có từ năm 1945.")
                ),
            ]
        }
    );
    assert_eq!(
        q[0].general_feedback.as_deref(),
        Some("Xem lại video từ phút thứ 2.")
    );
    assert_eq!(q[0].points, 1.0);

    assert_eq!(
        q[1].text,
        "Việt Nam là thành viên của những công ước nào sau đây?\nChọn tất cả đáp án đúng."
    );
    assert_eq!(
        q[1].kind,
        QuestionKind::MultipleChoice {
            options: vec![
                choice("a", "CEDAW", 50.0, None),
                choice("b", "CRC", 50.0, None),
                choice("c", "Một công ước không có thật", -100.0, None),
            ]
        }
    );

    assert_eq!(q[2].title, None);
    assert_eq!(
        q[2].text,
        "Quyền con người chỉ dành cho công dân của một quốc gia."
    );
    assert_eq!(
        q[2].kind,
        QuestionKind::TrueFalse {
            answer: false,
            feedback_true: Some("Chưa đúng: quyền con người là của mọi người.".into()),
            feedback_false: Some("Đúng vậy.".into()),
        }
    );

    assert_eq!(
        q[3].kind,
        QuestionKind::ShortAnswer {
            answers: vec![
                AcceptedAnswer {
                    text: "Tuyên ngôn toàn thế giới về quyền con người".into(),
                    weight: 100.0,
                    feedback: None,
                },
                AcceptedAnswer {
                    text: "Tuyên ngôn nhân quyền".into(),
                    weight: 50.0,
                    feedback: Some("Gần đúng.".into()),
                },
            ],
            ignore_case: true,
            ignore_diacritics: false,
        }
    );
    assert_eq!(q[3].text, "Điền tên văn kiện viết tắt là UDHR:");

    assert_eq!(
        q[4].kind,
        QuestionKind::Numeric {
            answers: vec![NumericAnswer::exact(9.0, 0.0, 100.0, None)]
        }
    );
    assert_eq!(
        q[5].kind,
        QuestionKind::Numeric {
            answers: vec![NumericAnswer::range(1975.0, 1985.0, 100.0, None)]
        }
    );
    assert_eq!(
        q[6].kind,
        QuestionKind::Numeric {
            answers: vec![
                NumericAnswer::exact(12.0, 0.0, 100.0, Some("Chính xác!".into())),
                NumericAnswer::exact(11.0, 1.0, 50.0, Some("Gần đúng.".into())),
            ]
        }
    );
    let pair = |id: &str, prompt: &str, answer: &str| MatchPair {
        id: id.into(),
        prompt: prompt.into(),
        answer: answer.into(),
    };
    assert_eq!(
        q[7].kind,
        QuestionKind::Matching {
            pairs: vec![
                pair("a", "CEDAW", "Phụ nữ"),
                pair("b", "CRC", "Trẻ em"),
                pair("c", "CRPD", "Người khuyết tật"),
            ]
        }
    );
    assert_eq!(
        q[8].text,
        "Công ước về quyền trẻ em được viết tắt là ___ theo tiếng Anh."
    );
    assert!(matches!(q[8].kind, QuestionKind::SingleChoice { .. }));
    assert_eq!(
        q[9].text,
        "Trong GIFT, dấu { và } bao đáp án, dấu = đánh dấu đáp án đúng và ~ đáp án sai; \
         50\\% vẫn giữ nguyên."
    );
    assert_eq!(
        q[9].kind,
        QuestionKind::TrueFalse {
            answer: true,
            feedback_true: None,
            feedback_false: None
        }
    );
}

#[test]
fn malformed_questions_are_reported_with_their_lines() {
    let src = "\
::Ok 1:: Câu đúng? {T}

::Unclosed:: Thiếu ngoặc {
  =a
  ~b

::Unknown:: Cú pháp lạ {xyz}

::Bad weight:: Trọng số sai {
  =a
  ~%abc%b
}

::Weights sum:: Tổng trọng số {~%50%a ~%30%b ~c}

::Bad number:: Số sai {#3,14}

::Bad range:: Khoảng sai {#5..1}

::Essay:: Viết cảm nghĩ {}

Chỉ là mô tả, không có đáp án.

::Stray:: Dấu } lạc {T}

::Two blocks:: {=a} và {=b}

::Ok 2:: Câu cuối {F}

::Weight range:: x {=a ~%150%b}

::Not closed title {T}

::Nested:: a {=b {c} }

::Bad tolerance:: x {#3:-1}

::Matching one:: x {=a -> b}

::Two right:: x {=a =b ~c}

::No arrow:: x {=a -> b =c}

::Short no full:: x {=%50%a}

// [points:abc]
::Bad points:: x {T}

::Numeric tilde:: x {#3 ~#feedback}

::Missing percent:: x {~%50a ~%50%b}

::Empty numeric:: x {#}

::Bad numeric range:: x {#1..}
";
    let report = import_gift(src);
    assert_eq!(
        problems(&report),
        vec![
            (
                3,
                "unclosed brace: `{` has no matching `}` (a blank line ends a question)"
            ),
            (
                7,
                "unknown answer syntax: answers start with = (right) or ~ (wrong), \
                 a number block with #, or T/F"
            ),
            (
                11,
                "bad weight %abc%: expected a percentage such as %50% or %-25%"
            ),
            (
                14,
                "the positive weights of a multiple-choice question must add up to 100 %, \
                 they add up to 80 %"
            ),
            (
                16,
                "bad number \"3,14\" in a numeric answer (write 3.14, 3.14:0.01 or 1..5, \
                 with a dot for decimals)"
            ),
            (
                18,
                "bad range 5..1: the minimum is greater than the maximum"
            ),
            (20, ESSAY_REASON),
            (22, DESCRIPTION_REASON),
            (
                24,
                "`}` without an opening `{` (write \\} for a literal brace)"
            ),
            (
                26,
                "not supported: more than one answer block in a question (embedded answers)"
            ),
            (30, "bad weight %150%: must be between -100 and 100"),
            (32, "the title is not closed: `::title::` expected"),
            (
                34,
                "`{` inside an answer block (write \\{ for a literal brace)"
            ),
            (36, "bad tolerance -1: it cannot be negative"),
            (38, "a matching question needs at least 2 pairs, found 1"),
            (
                40,
                "more than one = answer among ~ answers: a single-choice question has one \
                 right answer; for several, give each ~ a weight such as ~%50%"
            ),
            (
                42,
                "a matching pair needs `->` between the prompt and its answer"
            ),
            (
                44,
                "a short-answer question needs an accepted answer with weight 100"
            ),
            (46, "bad [points:abc]: expected a positive number"),
            (
                49,
                "not supported: ~ (wrong-answer feedback) in a numeric question"
            ),
            (
                51,
                "bad weight: missing the closing % (write weights like %50% or %-25%)"
            ),
            (
                53,
                "a numeric question needs an answer such as {#3.14:0.01} or {#1..5}"
            ),
            (
                55,
                "bad number \"\" in a numeric answer (write 3.14, 3.14:0.01 or 1..5, \
                 with a dot for decimals)"
            ),
        ]
    );
    let ids: Vec<&str> = report
        .quiz
        .questions
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(ids, vec!["ok-1", "ok-2"]);
}

#[test]
fn a_blank_line_inside_braces_splits_the_question() {
    let src = "Câu hỏi {\n=a\n\n~b\n}\n";
    let report = import_gift(src);
    assert_eq!(
        problems(&report),
        vec![
            (
                1,
                "unclosed brace: `{` has no matching `}` (a blank line ends a question)"
            ),
            (
                5,
                "`}` without an opening `{` (write \\} for a literal brace)"
            ),
        ]
    );
}

#[test]
fn empty_input_has_no_questions() {
    for src in ["", "\n\n", "// chỉ có chú thích\n", "$CATEGORY: a/b\n"] {
        let report = import_gift(src);
        assert_eq!(problems(&report), vec![(1, "no questions found")]);
        assert!(report.quiz.questions.is_empty());
    }
}

#[test]
fn true_false_spellings() {
    for (src, answer) in [
        ("Q {T}", true),
        ("Q {TRUE}", true),
        ("Q {F}", false),
        ("Q {FALSE}", false),
        ("Q { true }", true),
        ("Q {f}", false),
    ] {
        let q = only(src);
        assert_eq!(
            q.kind,
            QuestionKind::TrueFalse {
                answer,
                feedback_true: None,
                feedback_false: None
            },
            "{src}"
        );
    }
    let q = only("Q {T#sai rồi#đúng rồi####chung}");
    assert_eq!(
        q.kind,
        QuestionKind::TrueFalse {
            answer: true,
            feedback_true: Some("đúng rồi".into()),
            feedback_false: Some("sai rồi".into()),
        }
    );
    assert_eq!(q.general_feedback.as_deref(), Some("chung"));
    let q = only("Q {F#chỉ khi sai}");
    assert_eq!(
        q.kind,
        QuestionKind::TrueFalse {
            answer: false,
            feedback_true: Some("chỉ khi sai".into()),
            feedback_false: None,
        }
    );
}

#[test]
fn numeric_forms() {
    let numeric = |src: &str| match only(src).kind {
        QuestionKind::Numeric { answers } => answers,
        other => panic!("numeric expected, got {other:?}"),
    };
    assert_eq!(
        numeric("Số? {#4.56:0.01}"),
        vec![NumericAnswer::exact(4.56, 0.01, 100.0, None)]
    );
    assert_eq!(
        numeric("Âm? {#-2.5}"),
        vec![NumericAnswer::exact(-2.5, 0.0, 100.0, None)]
    );
    assert_eq!(
        numeric("Khoảng âm? {#-5..-1#ok}"),
        vec![NumericAnswer::range(-5.0, -1.0, 100.0, Some("ok".into()))]
    );
    assert_eq!(
        numeric("Nhiều? {# =%100%3:0 =%50%3:1}"),
        vec![
            NumericAnswer::exact(3.0, 0.0, 100.0, None),
            NumericAnswer::exact(3.0, 1.0, 50.0, None),
        ]
    );
    assert_eq!(
        numeric("Nhiều dòng? {#\n=1822:0 # Đúng\n=%50%1822:2 # Gần đúng\n}"),
        vec![
            NumericAnswer::exact(1822.0, 0.0, 100.0, Some("Đúng".into())),
            NumericAnswer::exact(1822.0, 2.0, 50.0, Some("Gần đúng".into())),
        ]
    );
    for bad in ["{#abc}", "{#1..x}", "{#1:}", "{#inf}", "{#NaN}", "{#=%50%}"] {
        let report = import_gift(&format!("Q {bad}"));
        assert_eq!(report.problems.len(), 1, "{bad}");
        assert!(report.quiz.questions.is_empty(), "{bad}");
    }
}

#[test]
fn grading_an_imported_range() {
    let q = only("Năm? {#1975..1985}");
    let at = |v: f64| grade(&q, Some(&Response::Numeric { value: v })).score;
    assert_eq!(
        (at(1975.0), at(1980.0), at(1985.0), at(1986.0)),
        (1.0, 1.0, 1.0, 0.0)
    );
}

#[test]
fn comments_categories_markers_and_escapes() {
    let src = "\
// chú thích
$CATEGORY: top/Quyền
::Tiêu đề\\: có dấu hai chấm::[html]<b>Đậm</b> \\# \\\\ \\n dòng mới
// chú thích giữa câu
{
  =Đáp án \\= bằng   #  Phản hồi \\#1
  ~Sai
}
";
    let q = only(src);
    assert_eq!(q.title.as_deref(), Some("Tiêu đề: có dấu hai chấm"));
    assert_eq!(q.id, "tieu-de-co-dau-hai-cham");
    assert_eq!(q.text, "<b>Đậm</b> # \\ \n dòng mới");
    assert_eq!(
        q.kind,
        QuestionKind::SingleChoice {
            options: vec![
                choice("a", "Đáp án = bằng", 100.0, Some("Phản hồi #1")),
                choice("b", "Sai", 0.0, None),
            ]
        }
    );
    // `//` inside a line is text, not a comment.
    let q = only("Xem https://ohchr.org {T}");
    assert_eq!(q.text, "Xem https://ohchr.org");
}

#[test]
fn missing_word_keeps_a_blank() {
    let q = only("Moodle costs {~lots of money =nothing ~a small amount} to download.");
    assert_eq!(q.text, "Moodle costs ___ to download.");
    let q = only("Thủ đô là {=Hà Nội}.");
    assert_eq!(q.text, "Thủ đô là ___.");
    let q = only("{=Hai =2} cộng hai bằng bốn");
    assert_eq!(q.text, "___ cộng hai bằng bốn");
}

#[test]
fn ids_from_titles_and_tags() {
    let src = "\
::Câu hỏi:: a {T}

::CÂU HỎI:: b {T}

c {T}

// [id:ma-rieng] [points:2.5] [tag:bo-qua]
d {T}

// [id:ma-rieng]
e {T}

// [compare:diacritics]
::Nhân quyền:: f {=Quyền con người}

// [compare:exact]
g {=ABC}

// [compare:loose]
h {=x}

// [points:0]
i {T}
";
    let report = import_gift(src);
    assert_eq!(
        problems(&report),
        vec![
            (11, "duplicate question id \"ma-rieng\""),
            (
                19,
                "bad [compare:loose]: expected exact, case or diacritics"
            ),
            (22, "bad [points:0]: expected a positive number"),
        ]
    );
    let q = &report.quiz.questions;
    let ids: Vec<&str> = q.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["cau-hoi", "cau-hoi-2", "q3", "ma-rieng", "nhan-quyen", "q6"]
    );
    assert_eq!(q[3].points, 2.5);
    let compare = |q: &Question| match &q.kind {
        QuestionKind::ShortAnswer {
            ignore_case,
            ignore_diacritics,
            ..
        } => (*ignore_case, *ignore_diacritics),
        _ => panic!("short answer expected"),
    };
    assert_eq!(compare(&q[4]), (true, true));
    assert_eq!(compare(&q[5]), (false, false));
    let answer = |q: &Question, text: &str| {
        grade(q, Some(&Response::ShortAnswer { text: text.into() })).score
    };
    assert_eq!(answer(&q[4], "quyen con nguoi"), 1.0);
    assert_eq!(answer(&q[5], "abc"), 0.0);
    // Without a tag, short answers ignore case but not diacritics (like Moodle).
    let plain = only("Thủ đô? {=Hà Nội}");
    assert_eq!(compare(&plain), (true, false));
    assert_eq!(answer(&plain, "hà nội"), 1.0);
    assert_eq!(answer(&plain, "ha noi"), 0.0);
}

#[test]
fn export_looks_like_gift() {
    let quiz = Quiz {
        questions: vec![
            Question {
                id: "thu-do".into(),
                title: Some("Thủ đô".into()),
                text: "Thủ đô của Việt Nam: {?}".into(),
                kind: QuestionKind::SingleChoice {
                    options: vec![
                        choice("a", "Hà Nội", 100.0, Some("Đúng = tuyệt")),
                        choice("b", "Huế", 0.0, None),
                        choice("c", "50% Sài Gòn", 25.0, None),
                    ],
                },
                general_feedback: Some("Hiến pháp 2013, Điều 13".into()),
                points: 2.0,
            },
            Question {
                id: "q2".into(),
                title: None,
                text: "Dòng 1\nDòng 2".into(),
                kind: QuestionKind::TrueFalse {
                    answer: false,
                    feedback_true: Some("Sai".into()),
                    feedback_false: None,
                },
                general_feedback: None,
                points: 1.0,
            },
        ],
        draw: None,
    };
    let expected = "\
// single_choice
// [id:thu-do] [points:2]
::Thủ đô::[markdown]Thủ đô của Việt Nam\\: \\{?\\} {
\t=Hà Nội#Đúng \\= tuyệt
\t~Huế
\t~%25%50% Sài Gòn
\t####Hiến pháp 2013, Điều 13
}

// true_false
// [id:q2]
[markdown]Dòng 1\\nDòng 2 {FALSE#Sai#
}
";
    let gift = export_gift(&quiz);
    assert_eq!(gift, expected);
    let back = import_gift(&gift);
    assert_eq!(problems(&back), vec![]);
    assert_eq!(back.quiz, quiz);
}

#[test]
fn the_fixture_round_trips() {
    let first = import_gift(FIXTURE);
    let gift = export_gift(&first.quiz);
    let second = import_gift(&gift);
    assert_eq!(problems(&second), vec![], "{gift}");
    assert_eq!(second.quiz, first.quiz, "{gift}");
}

// ---------------------------------------------------------------------------------------
// Round-trip property: random quizzes of every type, full of characters GIFT must escape.

const PIECES: &[&str] = &[
    "Quyền con người",
    "Điều 19",
    "đ Đ",
    "ắ ằ ẳ ẵ ặ",
    "“ngoặc kép”",
    "~",
    "=",
    "#",
    "####",
    "{",
    "}",
    "{#}",
    ":",
    "::",
    "\\",
    "\\n",
    "C:\\new",
    "->",
    "->>",
    "-",
    ">",
    "%",
    "50%",
    "%50%",
    "//",
    "$CATEGORY:",
    "[markdown]",
    "[html]",
    "[id:x]",
    "\n",
    "a\n\nb",
    "\t",
    "T",
    "FALSE",
    "..",
    "1..5",
    "3:1",
    "___",
    "*",
    "x",
];

fn random_text(rng: &mut StdRng) -> String {
    loop {
        let n = rng.random_range(1..=4);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(PIECES.choose(rng).copied().unwrap_or("x"));
            if rng.random_bool(0.5) {
                s.push(' ');
            }
        }
        let s = s.trim().to_string();
        if !s.is_empty() {
            return s;
        }
    }
}

fn maybe_text(rng: &mut StdRng) -> Option<String> {
    rng.random_bool(0.5).then(|| random_text(rng))
}

fn random_number(rng: &mut StdRng) -> f64 {
    *[
        0.0,
        1.0,
        -2.5,
        4.56,
        1e-7,
        1e20,
        100.0 / 3.0,
        -0.125,
        1948.0,
    ]
    .choose(rng)
    .unwrap_or(&1.0)
}

fn random_kind(rng: &mut StdRng) -> QuestionKind {
    match rng.random_range(0..6) {
        0 => {
            let n = rng.random_range(2..6);
            let right = rng.random_range(0..n);
            let options = (0..n)
                .map(|i| Choice {
                    id: option_id(i),
                    text: random_text(rng),
                    weight: if i == right {
                        100.0
                    } else {
                        *[0.0, 0.0, 50.0, 33.333, -25.0].choose(rng).unwrap_or(&0.0)
                    },
                    feedback: maybe_text(rng),
                })
                .collect();
            QuestionKind::SingleChoice { options }
        }
        1 => {
            let n = rng.random_range(2..7);
            let mut flags: Vec<bool> = (0..n).map(|_| rng.random_bool(0.5)).collect();
            flags[rng.random_range(0..n)] = true;
            let mut kind =
                QuestionKind::multiple_choice(flags.into_iter().map(|c| (random_text(rng), c)));
            if let QuestionKind::MultipleChoice { options } = &mut kind {
                for o in options {
                    o.feedback = maybe_text(rng);
                }
            }
            kind
        }
        2 => QuestionKind::TrueFalse {
            answer: rng.random_bool(0.5),
            feedback_true: maybe_text(rng),
            feedback_false: maybe_text(rng),
        },
        3 => {
            let n = rng.random_range(1..4);
            let answers = (0..n)
                .map(|i| AcceptedAnswer {
                    text: random_text(rng),
                    weight: if i == 0 {
                        100.0
                    } else {
                        *[100.0, 50.0, 12.5, 0.0].choose(rng).unwrap_or(&0.0)
                    },
                    feedback: maybe_text(rng),
                })
                .collect();
            let (ignore_case, ignore_diacritics) = *[(true, false), (false, false), (true, true)]
                .choose(rng)
                .unwrap_or(&(true, false));
            QuestionKind::ShortAnswer {
                answers,
                ignore_case,
                ignore_diacritics,
            }
        }
        4 => {
            let n = rng.random_range(1..4);
            let answers = (0..n)
                .map(|i| {
                    let weight = if i == 0 { 100.0 } else { 50.0 };
                    let feedback = maybe_text(rng);
                    if rng.random_bool(0.5) {
                        let a = random_number(rng);
                        let b = random_number(rng);
                        NumericAnswer::range(a.min(b), a.max(b), weight, feedback)
                    } else {
                        let tolerance = random_number(rng).abs();
                        NumericAnswer::exact(random_number(rng), tolerance, weight, feedback)
                    }
                })
                .collect();
            QuestionKind::Numeric { answers }
        }
        _ => {
            let n = rng.random_range(2..5);
            let mut prompts: Vec<String> = Vec::new();
            while prompts.len() < n {
                let p = random_text(rng);
                if !prompts.contains(&p) {
                    prompts.push(p);
                }
            }
            let pairs = prompts
                .into_iter()
                .enumerate()
                .map(|(i, prompt)| MatchPair {
                    id: option_id(i),
                    prompt,
                    answer: random_text(rng),
                })
                .collect();
            QuestionKind::Matching { pairs }
        }
    }
}

fn random_quiz(rng: &mut StdRng) -> Quiz {
    let mut ids = IdAllocator::default();
    let n = rng.random_range(1..6);
    let questions = (0..n)
        .map(|i| {
            let title = maybe_text(rng);
            let id = if rng.random_bool(0.8) {
                ids.next(title.as_deref())
            } else {
                let custom = format!("Câu {i} [đặc biệt]");
                ids.claim(&custom);
                custom
            };
            Question {
                id,
                title,
                text: random_text(rng),
                kind: random_kind(rng),
                general_feedback: maybe_text(rng),
                points: *[1.0, 1.0, 2.0, 0.5, 10.0].choose(rng).unwrap_or(&1.0),
            }
        })
        .collect();
    Quiz {
        questions,
        draw: None,
    }
}

#[test]
fn export_then_import_gives_the_same_quiz() {
    let mut rng = StdRng::seed_from_u64(20_261_126);
    for round in 0..400 {
        let quiz = random_quiz(&mut rng);
        assert_eq!(
            quiz.validate(),
            vec![],
            "round {round}: generator made {quiz:#?}"
        );
        let gift = export_gift(&quiz);
        let back = import_gift(&gift);
        assert_eq!(problems(&back), vec![], "round {round}:\n{gift}");
        assert_eq!(back.quiz, quiz, "round {round}:\n{gift}");
    }
}

// ---------------------------------------------------------------------------------------
// No input makes the parser panic.

#[test]
fn every_prefix_of_a_valid_file_is_handled() {
    let exported = export_gift(&import_gift(FIXTURE).quiz);
    for src in [FIXTURE, exported.as_str()] {
        for (i, _) in src.char_indices() {
            let _ = import_gift(&src[..i]);
        }
        let _ = import_gift(src);
    }
}

#[test]
fn mangled_files_are_handled() {
    let mut rng = StdRng::seed_from_u64(7);
    let chars: Vec<char> = FIXTURE.chars().collect();
    let specials = [
        '{', '}', '=', '~', '#', ':', '\\', '%', '\n', '-', '>', '.', '[', ']',
    ];
    for _ in 0..300 {
        let mut mangled = chars.clone();
        for _ in 0..rng.random_range(1..20) {
            let at = rng.random_range(0..mangled.len());
            match rng.random_range(0..3) {
                0 => {
                    mangled.remove(at);
                }
                1 => mangled.insert(at, *specials.choose(&mut rng).unwrap_or(&'{')),
                _ => mangled[at] = *specials.choose(&mut rng).unwrap_or(&'}'),
            }
        }
        let src: String = mangled.into_iter().collect();
        let report = import_gift(&src);
        for p in &report.problems {
            assert!(p.line >= 1 && p.line <= src.lines().count().max(1), "{p:?}");
        }
        assert!(
            report
                .quiz
                .validate()
                .iter()
                .all(|p| p.question_id.is_empty())
        );
    }
}

#[test]
fn windows_line_endings_and_bom() {
    let lf = import_gift(FIXTURE);
    let crlf = import_gift(&format!("\u{feff}{}", FIXTURE.replace('\n', "\r\n")));
    assert_eq!(problems(&crlf), vec![]);
    assert_eq!(crlf.quiz, lf.quiz);
}

#[test]
fn sources_past_the_limits_are_refused_or_cut() {
    use crate::quiz::import::limits::*;
    // Past the size limit nothing is parsed.
    let huge = "Q {T}\n\n".repeat(MAX_SOURCE_BYTES / 7 + 1);
    let report = import_gift(&huge);
    assert!(report.quiz.questions.is_empty());
    assert_eq!(
        problems(&report),
        vec![(
            1,
            "the quiz is larger than 1024 KiB; split it into smaller quizzes"
        )]
    );
    // Past the question limit the rest is not read.
    let many = "Q {T}\n\n".repeat(MAX_QUESTIONS + 5);
    let report = import_gift(&many);
    assert_eq!(report.quiz.questions.len(), MAX_QUESTIONS);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].line, 2 * MAX_QUESTIONS + 1);
    assert!(
        report.problems[0]
            .message
            .starts_with("more than 1000 questions")
    );
    // Hundreds of bad questions are reported up to the limit, then counted.
    let bad = "Q {\n\n".repeat(500);
    let report = import_gift(&bad);
    assert_eq!(report.problems.len(), MAX_PROBLEMS + 1);
    assert_eq!(
        report.problems.last().unwrap().message,
        "and 300 more problems from this line on"
    );
}

#[test]
fn hostile_shapes_of_the_largest_source_parse_quickly() {
    use crate::quiz::import::limits::MAX_SOURCE_BYTES;
    let n = MAX_SOURCE_BYTES / 4;
    for src in [
        format!("Q {{{}}}", "~a ".repeat(n / 3)),
        format!("Q {{{}", "{".repeat(n)),
        format!("Q {}", "}".repeat(n)),
        format!("::{}:: Q {{T}}", "x".repeat(n)),
        format!("Q {{#{}}}", "1:1 ".repeat(n / 4)),
        format!("Q {{{}}}", "=a -> b ".repeat(n / 8)),
        "\\".repeat(n),
    ] {
        let started = std::time::Instant::now();
        let _report = import_gift(&src);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{:?} for {:?}",
            started.elapsed(),
            &src[..20]
        );
    }
}
