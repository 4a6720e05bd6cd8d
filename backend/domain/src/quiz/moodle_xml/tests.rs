use super::*;
use crate::quiz::gift::ESSAY_REASON;
use crate::quiz::grading::{Response, grade};

const FIXTURE: &str = include_str!("../fixtures/quyen_con_nguoi.xml");

fn problems(report: &ImportReport) -> Vec<(usize, &str)> {
    report
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect()
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
fn imports_every_supported_type() {
    let report = import_moodle_xml(FIXTURE);
    let q = &report.quiz.questions;
    let ids: Vec<&str> = q.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "tuyen-ngon-1948",
            "cong-uoc-vn",
            "dung-sai",
            "viet-tat",
            "phan-biet-hoa-thuong",
            "so-cong-uoc",
            "ghep-doi",
        ]
    );
    assert!(report.quiz.validate().is_empty());

    assert_eq!(q[0].title.as_deref(), Some("Tuyên ngôn 1948"));
    assert_eq!(q[0].text, "Văn kiện nào được thông qua năm <b>1948</b>?");
    assert_eq!(q[0].points, 2.0);
    assert_eq!(q[0].general_feedback.as_deref(), Some("Xem lại video."));
    assert_eq!(
        q[0].kind,
        QuestionKind::SingleChoice {
            options: vec![
                choice(
                    "a",
                    "Tuyên ngôn toàn thế giới về quyền con người",
                    100.0,
                    Some("Đúng & đủ.")
                ),
                choice("b", "Công ước CEDAW", 0.0, None),
            ]
        }
    );
    assert_eq!(
        q[1].kind,
        QuestionKind::MultipleChoice {
            options: vec![
                choice("a", "CEDAW", 50.0, None),
                choice("b", "CRC", 50.0, None),
                choice("c", "Công ước ảo", -100.0, None),
            ]
        }
    );
    assert_eq!(q[1].points, 1.0);
    assert_eq!(
        q[2].kind,
        QuestionKind::TrueFalse {
            answer: true,
            feedback_true: Some("Chính xác.".into()),
            feedback_false: Some("Chưa đúng.".into()),
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
    assert_eq!(
        q[4].kind,
        QuestionKind::ShortAnswer {
            answers: vec![AcceptedAnswer {
                text: "CAT".into(),
                weight: 100.0,
                feedback: None,
            }],
            ignore_case: false,
            ignore_diacritics: false,
        }
    );
    assert_eq!(
        grade(&q[4], Some(&Response::ShortAnswer { text: "cat".into() })).score,
        0.0
    );
    assert_eq!(
        q[5].kind,
        QuestionKind::Numeric {
            answers: vec![
                NumericAnswer::exact(9.0, 0.0, 100.0, Some("Đúng.".into())),
                NumericAnswer::exact(9.0, 1.0, 50.0, None),
            ]
        }
    );
    assert_eq!(
        q[6].kind,
        QuestionKind::Matching {
            pairs: vec![
                MatchPair {
                    id: "a".into(),
                    prompt: "CEDAW".into(),
                    answer: "Phụ nữ".into(),
                },
                MatchPair {
                    id: "b".into(),
                    prompt: "CRC".into(),
                    answer: "Trẻ em".into(),
                },
            ]
        }
    );
}

#[test]
fn rejected_questions_carry_their_lines() {
    let report = import_moodle_xml(FIXTURE);
    assert_eq!(
        problems(&report),
        vec![
            (54, "ignored: the catch-all answer * is not supported"),
            (70, ESSAY_REASON),
            (
                74,
                "not supported: description questions have nothing to grade"
            ),
            (78, "not supported: embedded-answer (cloze) questions"),
            (82, "not supported: question type \"ddwtos\""),
            (
                89,
                "not supported: matching distractors (an answer without a prompt)"
            ),
            (96, "bad fraction \"abc\": expected a percentage"),
            (
                98,
                "the positive weights of a multiple-choice question must add up to 100 %, \
                 they add up to 50 %"
            ),
            (108, "bad number \"3,14\" in a numerical answer"),
            (110, "a <question> without a type attribute"),
        ]
    );
}

#[test]
fn malformed_xml_is_one_problem_with_its_line() {
    let cases: &[(&str, usize)] = &[
        ("<quiz>\n<question type=\"truefalse\">\n</quiz>\n", 3),
        ("<quiz>\n  <question type=\"truefalse\">\n", 2),
        ("<quiz>\n\n<question type=\"x\" a=></question></quiz>", 3),
        (
            "<quiz>\n<question type=\"truefalse\">&#0;</question></quiz>",
            2,
        ),
        ("<quiz>\n<question\n", 2),
        ("<quiz/>\n<quiz/>", 2),
    ];
    for (src, line) in cases {
        let report = import_moodle_xml(src);
        assert!(report.quiz.questions.is_empty(), "{src}");
        assert_eq!(report.problems.len(), 1, "{src}: {:?}", report.problems);
        assert_eq!(
            report.problems[0].line, *line,
            "{src}: {:?}",
            report.problems
        );
        assert!(
            report.problems[0].message.starts_with("malformed XML"),
            "{src}: {:?}",
            report.problems
        );
    }
}

#[test]
fn documents_without_questions() {
    let report = import_moodle_xml("không phải XML");
    assert_eq!(problems(&report), vec![(1, "no <quiz> element found")]);
    let report = import_moodle_xml("<?xml version=\"1.0\"?>\n<questions/>");
    assert_eq!(
        problems(&report),
        vec![(2, "expected <quiz> as the root element, found <questions>")]
    );
    let report = import_moodle_xml("<quiz>\n</quiz>");
    assert_eq!(problems(&report), vec![(1, "no questions found")]);
}

#[test]
fn text_details() {
    let src = r#"<quiz>
<question type="truefalse">
  <name><text>  </text></name>
  <questiontext format="html"><text>&lt;p&gt;A &amp;nbsp; B&lt;/p&gt; &nbsp;<![CDATA[<p>x</p>]]></text></questiontext>
  <idnumber>  ma-1  </idnumber>
  <answer fraction="0"><text>TRUE</text></answer>
  <answer fraction="100"><text>False</text></answer>
</question>
<question type="truefalse">
  <questiontext><text>Hai</text></questiontext>
  <idnumber>ma-1</idnumber>
  <answer fraction="100"><text>true</text></answer>
  <answer fraction="0"><text>false</text></answer>
</question>
<question type="truefalse">
  <questiontext><text>Ba</text></questiontext>
  <answer fraction="100"><text>true</text></answer>
</question>
</quiz>"#;
    let report = import_moodle_xml(src);
    assert_eq!(
        problems(&report),
        vec![
            (9, "duplicate question id \"ma-1\""),
            (
                15,
                "a true/false question needs the answers \"true\" and \"false\""
            ),
        ]
    );
    let q = &report.quiz.questions[0];
    assert_eq!(q.id, "ma-1");
    assert_eq!(q.title, None);
    assert_eq!(q.text, "<p>A &nbsp; B</p> &nbsp;<p>x</p>");
    assert_eq!(
        q.kind,
        QuestionKind::TrueFalse {
            answer: false,
            feedback_true: None,
            feedback_false: None
        }
    );
}

#[test]
fn unwraps_a_lone_paragraph_only() {
    assert_eq!(unwrap_paragraph("<p>Hà Nội</p>"), "Hà Nội");
    assert_eq!(unwrap_paragraph(" <p dir=\"ltr\">Huế</p> "), "Huế");
    assert_eq!(unwrap_paragraph("<p>a</p><p>b</p>"), "<p>a</p><p>b</p>");
    assert_eq!(unwrap_paragraph("<pre>x</pre>"), "<pre>x</pre>");
    assert_eq!(unwrap_paragraph("<p>x"), "<p>x");
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let depth = 10_000;
    let src = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let report = import_moodle_xml(&src);
    assert_eq!(
        problems(&report),
        vec![(1, "malformed XML: nested too deeply")]
    );
}

#[test]
fn every_prefix_of_a_valid_file_is_handled() {
    for (i, _) in FIXTURE.char_indices() {
        let _ = import_moodle_xml(&FIXTURE[..i]);
    }
}

#[test]
fn entities_are_never_defined_or_fetched() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz><question type="truefalse"><questiontext><text>&lol3;</text></questiontext></question></quiz>"#;
    let external = r#"<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><questiontext><text>&secret;</text></questiontext></question></quiz>"#;
    for src in [laughs, external] {
        let report = import_moodle_xml(src);
        assert!(report.quiz.questions.is_empty());
        assert_eq!(report.problems.len(), 1);
        assert_eq!(report.problems[0].line, 2);
        assert!(
            report.problems[0]
                .message
                .starts_with("a document type declaration (<!DOCTYPE>) is not accepted"),
            "{:?}",
            report.problems
        );
    }
}

#[test]
fn documents_past_the_limits_are_refused_or_cut() {
    use crate::quiz::import::limits::*;
    let question = r#"<question type="truefalse"><questiontext><text>Q</text></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
"#;
    let many = format!("<quiz>\n{}</quiz>", question.repeat(MAX_QUESTIONS + 3));
    let report = import_moodle_xml(&many);
    assert_eq!(report.quiz.questions.len(), MAX_QUESTIONS);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].line, MAX_QUESTIONS + 2);
    assert!(
        report.problems[0]
            .message
            .starts_with("more than 1000 questions")
    );

    let elements = format!("<quiz>{}</quiz>", "<a/>".repeat(MAX_ELEMENTS + 1));
    let report = import_moodle_xml(&elements);
    assert_eq!(
        problems(&report),
        vec![(
            1,
            "the document has more than 200000 elements; split it into smaller quizzes"
        )]
    );
    let lines = format!("<quiz>{}</quiz>", "\n".repeat(MAX_LINES + 1));
    let report = import_moodle_xml(&lines);
    assert_eq!(report.problems[0].line, MAX_LINES + 1);
}
