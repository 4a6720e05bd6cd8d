# English — second language.
# Every key here must also exist in vi/main.ftl, and vice versa.

## General

app-name = Human Rights Online Learning
skip-link = Skip to main content
nav-label = Main navigation
nav-home = Home
nav-login = Log in
nav-register = Register
nav-logout = Log out
nav-signed-in-as = Signed in as
# The name of the other language, written in that language.
lang-switch = Tiếng Việt
footer-about = The national human-rights communication programme — free to learn, any time, on any device.
error-summary-title = There is a problem

## Page titles (looked up by the Rust code)

page-title-home = Home
page-title-register = Create an account
page-title-login = Log in
page-title-verify = Email confirmation
page-title-roster-join = Join an organisation's roster
page-title-forgot = Forgotten password
page-title-reset = Reset password
page-title-error = Error

## Error messages (looked up by the Rust code)

error-invalid-credentials = The email address or password is incorrect.
error-rate-limited = Too many attempts. Please wait a few minutes and try again.
error-email-invalid = Enter a valid email address.
error-password-too-short = The password must be at least 10 characters long.
error-display-name-required = Enter your full name.
error-passwords-differ = The two passwords do not match.
error-token-invalid = This link is invalid or has expired. Please request a new one.
error-csrf = This form has expired. Please reload the page and try again.
error-not-found = The page you asked for could not be found.
error-internal = Something went wrong on our side. Please try again later.
error-forbidden = You do not have permission to view this page.

## Notices (looked up by the Rust code)

notice-registered = Registration complete. Please check your email to confirm your account.
notice-verified = Your email address has been confirmed. You can now log in.
notice-reset-sent = If that email address is registered, we have sent it a link to reset the password.
notice-password-changed = Your password has been changed. Please log in with your new password.
notice-logged-out = You have been logged out.

## Home page

home-title = Learn about human rights, a few minutes a day
home-lead = The national human-rights communication programme for officials, civil servants, journalists and the public. Short lessons that are easy to follow on a phone, and completely free.
# $name: the user's display name
home-greeting = Hello, { $name }!
home-verify-needed = Please confirm your email address before enrolling in a course. Open the email we sent you and follow the confirmation link.
home-cta-register = Register for free
home-cta-login = Log in
home-features-title = How it works
home-feature-video-title = Short videos
home-feature-video = Each lesson is a 3–5 minute video with its lecture slides.
home-feature-quiz-title = Quizzes
home-feature-quiz = Answer a few short questions after each lesson to remember what you learned.
home-feature-cert-title = Certificates
home-feature-cert = Complete a course to receive a certificate with a QR code anyone can verify.
home-feature-free-title = Free for everyone
home-feature-free = Anyone can sign up and learn at no cost.

## Form fields

field-display-name = Full name
field-display-name-hint = This name will be printed on your certificates.
field-email = Email
field-password = Password
field-new-password = New password
field-password-hint = At least 10 characters. A phrase that is easy to remember but hard to guess works well.
field-password-confirm = Repeat the new password

## Registration

register-heading = Create an account
register-intro = Register for free to keep track of your progress and receive certificates.
register-submit = Register
register-have-account = Already have an account?
register-login-link = Log in
register-done-heading = Check your inbox
# $email: the address the user entered
register-done-body = We have sent an email to { $email }. Open it and follow the link to confirm your account.
register-done-hint = If it has not arrived within a few minutes, check your spam folder.
register-done-login-link = Go to the login page

## Login

login-heading = Log in
login-submit = Log in
login-forgot-link = Forgotten your password?
login-no-account = No account yet?
login-register-link = Register for free

## Email confirmation

verify-success-heading = Email address confirmed
verify-success-body = Thank you! Your account is ready. Log in to start learning.
verify-login-link = Log in
verify-failure-heading = We could not confirm your email address
verify-failure-body = The confirmation link is invalid or has expired. You can register again to receive a new link.
verify-register-link = Register again
verify-failure-login-hint = Already confirmed?

## Joining an organisation's roster (from a mailed link)

roster-join-heading = Do you belong to { $organisation }?
roster-join-intro = This organisation has listed you among its officials. If you confirm, your account is linked to its roster: its HR staff will follow your required training and your certificates.
roster-join-submit = Yes, I belong to this organisation
roster-join-done-heading = Done: you are on the roster of { $organisation }
roster-join-done-body = Your required courses, if any, are waiting in My learning.
roster-join-failed-heading = This link cannot be used
roster-join-failed-body = It is invalid, has expired or was already used. Ask your organisation's HR staff to import the roster again.

## Forgotten and reset password

forgot-heading = Forgotten password
forgot-intro = Enter the email address you registered with. If it belongs to an account, we will send you a link to reset your password.
forgot-submit = Send the link
forgot-back-to-login = Back to the login page
reset-heading = Choose a new password
reset-intro = Choose a new password for your account.
reset-submit = Save the new password

## Error page

error-page-status = Error
error-page-heading = Sorry, something went wrong
error-home-link = Go to the home page

## Emails

# $name: the recipient's display name
email-greeting = Hello { $name },
email-closing = Kind regards,
email-signature = The { app-name } team
email-footer = This message was sent automatically by { app-name }. Please do not reply to it.
email-link-fallback = If the button does not work, copy this link into your browser:
# $hours: how many hours the link stays valid
email-link-expires = { $hours ->
    [one] This link is valid for { $hours } hour.
   *[other] This link is valid for { $hours } hours.
}
email-verify-subject = Confirm your email address – { app-name }
email-verify-intro = Thank you for registering with { app-name }. Please confirm your email address to start learning.
email-verify-action = Confirm my email address
email-verify-ignore = If you did not create this account, you can ignore this email; the account will not be activated.
email-reset-subject = Reset your password – { app-name }
email-reset-intro = We received a request to reset the password of your { app-name } account.
email-reset-action = Choose a new password
email-reset-ignore = If you did not ask for this, you can ignore this email; your current password stays unchanged.
email-already-subject = Your email address already has an account – { app-name }
email-already-intro = Someone (perhaps you) just tried to register a new { app-name } account with this email address. The address already has an account, so no new account was created.
email-already-action-intro = If you have forgotten your password, you can choose a new one with the link below.
email-already-action = Reset my password
email-already-ignore = If this was not you, you can ignore this email. Your account is safe.

## Courses: navigation, page titles, notices (looked up by the Rust code)

nav-catalogue = Courses
nav-teach = Teach
page-title-catalogue = Course catalogue
page-title-course = Course
page-title-teach = My courses
page-title-new-course = New course
page-title-edit-course = Edit course
page-title-edit-module = Edit module
notice-enrolled = You are enrolled. Enjoy the course!
notice-course-created = The course has been created. Next step: add its modules.
notice-course-saved = The course details have been saved.
notice-module-added = The new module has been added.
notice-module-saved = The module has been saved.
notice-module-deleted = The module has been deleted.
notice-media-deleted = The file has been deleted.
page-title-teach-media = My media
teach-media-link = My media
teach-media-heading = My media
teach-media-intro = Videos, PDFs and pictures you uploaded. You use { $used } of your { $quota } storage.
teach-media-caption = Your uploaded files
teach-media-col-file = File
teach-media-col-status = Status
teach-media-col-size = Size
teach-media-col-used-by = Used by
teach-media-unused = Not used
teach-media-used-course = course “{ $title }”
teach-media-used-module = module “{ $title }”
teach-media-processing = Cancel the processing in its module before deleting it.
teach-media-delete = Delete
teach-media-empty = You have not uploaded anything yet. Videos, PDFs and pictures you add to modules appear here.
notice-quiz-saved = The quiz has been saved.
notice-published = The course has been published.
notice-unpublished = The course has been unpublished.
notice-publish-blocked = The course cannot be published yet. Please fix the errors listed under Publishing.
error-enrol-verify = Please confirm your email address before enrolling in a course.
error-learn-verify = Please confirm your email address before you start learning.
error-not-allowed-course = You do not have access to this course.

## Language names, statuses, visibility, question types (also used by the Rust code)

lang-name-vi = Vietnamese
lang-name-en = English
lang-name-fr = French
lang-name-zh = Chinese
lang-name-km = Khmer
lang-name-lo = Lao
lang-name-hmn = Hmong
lang-name-tay = Tày
visibility-public = Public
visibility-restricted = Restricted
status-draft = Draft
status-published = Published
status-archived = Archived
question-type-single_choice = Single choice
question-type-multiple_choice = Multiple choice
question-type-true_false = True/false
question-type-short_answer = Short answer
question-type-numeric = Numeric
question-type-matching = Matching
video-status-uploaded = Uploaded, waiting to be processed
video-status-probing = Checking the file
video-status-transcoding = Converting
video-status-ready = Ready
video-status-failed = Processing failed

## Course catalogue

catalogue-heading = Course catalogue
catalogue-intro = All courses are free. Search by keyword, language or topic.
catalogue-search-region = Find a course
catalogue-search-label = Keywords
catalogue-search-placeholder = For example: children's rights
catalogue-language-label = Language
catalogue-topic-label = Topic
catalogue-all = All
catalogue-search-submit = Search
# $count: how many courses were found in total
catalogue-result-count = { $count ->
    [one] { $count } course found
   *[other] { $count } courses found
}
catalogue-empty = No courses match.
catalogue-empty-filtered = Try other keywords or remove a filter.
catalogue-clear-filters = Show all courses
pagination-label = Pages
pagination-prev = ← Previous page
pagination-next = Next page →
# $page: the current page, $pages: how many pages there are
pagination-status = Page { $page } of { $pages }

## Course page

course-back-to-catalogue = ← Course catalogue
# $count: how many modules
course-module-count = { $count ->
    [one] { $count } module
   *[other] { $count } modules
}
# $minutes: estimated length of the whole course
course-duration-about = { $minutes ->
    [one] about { $minutes } minute
   *[other] about { $minutes } minutes
}
course-languages-label = Languages:
course-topics-label = Topics:
course-preview-banner = Preview of the unpublished version
course-preview-hint = This is how learners will see the course once you publish it. Learners cannot see these changes yet.
course-enrol-heading = Enrolment
course-enrol-button = Enrol — free
course-enrol-hint = Learn at your own pace, on your phone or computer.
course-enrolled = You are enrolled in this course
course-enrolled-hint = The course is in My learning; your progress is saved as you go.
course-start-learning = Start learning
course-needs-login = Log in or create a free account to enrol and keep track of your progress.
course-login-to-enrol = Log in to enrol
course-register-to-enrol = Create an account
course-needs-verification = Please confirm your email address before enrolling. Open the email we sent you and follow the confirmation link.
course-syllabus-heading = Syllabus
course-no-modules = This course has no modules yet.
# $number: the module's position in the course
course-module-number = Module { $number }
# $minutes: length of the module's video
course-module-duration = { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
# $count: how many quiz questions
course-module-quiz = { $count ->
    [one] { $count } quiz question
   *[other] { $count } quiz questions
}
course-objectives-label = After this module you will be able to:

## Teaching: course list

breadcrumb-label = You are here
teach-heading = My courses
teach-new-course = New course
teach-courses-caption = The courses you are responsible for
teach-col-title = Course
teach-col-status = Status
teach-col-visibility = Visibility
teach-col-updated = Last updated
teach-unpublished-changes = Unpublished changes
teach-empty = You have no courses yet.
teach-empty-hint = Create your first course, then add modules, videos and quizzes.
teach-back-to-list = ← My courses
teach-cancel = Cancel

## Teaching: course form

teach-new-course-heading = New course
teach-new-course-intro = A new course is saved as a draft. Learners only see it once you publish it.
teach-create-course-submit = Create the course
teach-save-course-submit = Save course details
field-course-title = Course title
field-course-slug = Short address (slug)
field-course-slug-hint = Optional. Leave it empty to generate it from the title. Use lowercase letters without accents, digits and hyphens, for example: childrens-rights.
field-course-slug-edit-hint = Use lowercase letters without accents, digits and hyphens. If you change it after publishing, links that learners have saved will stop working.
field-course-summary = Summary
field-course-summary-hint = Two or three sentences introducing the course; shown in the catalogue.
field-course-language = Main language
field-course-language-hint = The language of the title, summary and lectures above.
field-course-visibility = Visibility
field-course-visibility-hint = Public: anyone can find the course and enrol. Restricted: only people who have been given access.
field-course-topics = Topics
field-course-topics-hint = Separated by commas, lowercase without accents, for example: quyen-con-nguoi, cong-uoc-quoc-te.
field-course-minutes = Estimated length (minutes)
field-course-minutes-hint = Total learning time, including videos and quizzes.
field-english-legend = English translation
field-english-hint = Optional. Shown to learners who use the English interface; when empty, they see the main-language content.
field-course-title-en = Course title (English)
field-course-summary-en = Summary (English)

## Teaching: course page

teach-toc-label = Sections of this page
teach-details-heading = Course details
teach-modules-heading = Modules
teach-publishing-heading = Publishing
teach-badge-video-ready = Video: ready
teach-badge-video-failed = Video: processing failed
teach-badge-video-processing = Video: processing
teach-badge-video-missing = No video yet
# $count: how many quiz questions
teach-badge-quiz = { $count ->
    [one] Quiz: { $count } question
   *[other] Quiz: { $count } questions
}
teach-badge-no-quiz = No quiz yet
teach-module-move-up = Move up
teach-module-move-down = Move down
teach-module-edit = Edit
teach-module-delete-open = Delete module…
teach-module-delete-warning = The module, its slides and its quiz will be deleted. This cannot be undone.
# $title: the module title
teach-module-delete-confirm = Delete “{ $title }” permanently
teach-no-modules = This course has no modules yet. Add the first one below.
teach-add-module-label = Title of the new module
teach-add-module-submit = Add module
teach-status-label = Status:
teach-unpublished-changes-hint = Learners keep seeing the previously published version until you publish the changes.
teach-public-link-label = Public link:
teach-problems-errors-heading = Errors to fix before publishing
teach-problems-warnings-heading = Warnings (these do not block publishing)
teach-no-problems = No problems found. The course is ready to be published.
teach-publish-submit = Publish the course
teach-publish-changes-submit = Publish the changes
teach-publish-blocked-hint = The Publish button becomes available once all the errors above are fixed.
teach-preview-link = Preview as a learner
teach-unpublish-hint = Unpublishing removes the course from the catalogue.
teach-unpublish-submit = Unpublish

## Teaching: module page

module-content-heading = Module content
module-save-submit = Save the module
field-module-title = Module title
field-module-objectives = Learning objectives
field-module-objectives-hint = One objective per line.
field-module-slides = Lecture slides (Markdown)
# $example: a syntax example, shown as code
field-module-slides-hint = A line such as { $example } starts a new slide. The timecode (minutes:seconds into the video) is optional; when present, the slide changes with the video.
field-module-slides-example = Heading
field-module-rules-legend = Completion rules
field-module-min-watched = Minimum share of the video watched (%)
field-module-min-watched-hint = The percentage of the video a learner has to watch.
field-module-pass-mark = Pass mark (%)
field-module-pass-mark-hint = The share of correct answers needed to pass the quiz.
field-module-max-attempts = Maximum number of attempts
field-module-max-attempts-hint = Leave empty for unlimited attempts.
field-module-time-limit = Time limit per attempt (minutes)
field-module-time-limit-hint = Leave empty for no time limit.
field-module-required = Required module
field-module-required-hint = Learners must complete this module to receive the certificate.
field-module-title-en = Module title (English)
field-module-objectives-en = Learning objectives (English)
field-module-slides-en = Lecture slides (English)
module-video-heading = Video
module-video-status-label = Status:
# $seconds: length of the video in seconds
module-video-duration = Length: { $seconds } seconds
# $id: the video file's identifier
module-video-asset = File ID: { $id }
module-video-none = This module has no video yet.
module-quiz-heading = Quiz
quiz-problems-heading = The quiz could not be imported: please fix these lines
# $line: line number in the GIFT text
quiz-problem-line = Line { $line }:
field-quiz-gift = Quiz in GIFT format
field-quiz-gift-hint = Each question is one paragraph, with its answers in curly brackets. Supported question types:
field-quiz-gift-hint-blank-line = Leave an empty line between two questions.
field-quiz-gift-en = English translation (GIFT)
field-quiz-gift-en-hint = Optional. Keep the same questions in the same order as the main version above; translate only the text.
quiz-example-single_choice = Which city is the capital of Viet Nam? {"{"}=Ha Noi ~Hue ~Da Nang{"}"}
quiz-example-multiple_choice = Which are civil and political rights? {"{"}~%50%Right to life ~%50%Freedom of expression ~%-100%Right to work{"}"}
quiz-example-true_false = Viet Nam is a party to the Convention on the Rights of the Child. {"{"}T{"}"}
quiz-example-short_answer = The short name of the Convention on the Rights of the Child is {"{"}=CRC{"}"}
quiz-example-numeric = In which year did Viet Nam accede to the ICCPR? {"{"}#1982:0{"}"}
quiz-example-matching = Match each treaty with the year it was adopted. {"{"}=ICCPR -> 1966 =CEDAW -> 1979 =CRC -> 1989{"}"}
quiz-save-submit = Save the quiz
quiz-questions-heading = Imported questions
quiz-no-questions = No questions yet.
quiz-export-link = Download the GIFT file

## Video upload
module-video-file-label = Choose a video file (3–5 minutes)
module-video-file-hint = MP4, MOV, MKV or WebM, up to 2 GiB. If the connection drops, the upload resumes where it stopped.
module-video-upload-button = Upload the video
module-video-uploading = Uploading
module-video-transcoding = Processing the video
module-video-ready-reload = The video is ready. Reloading the page…
module-video-upload-failed = The video could not be uploaded. Check the connection and try again.
module-video-resumed = Resuming the previous upload.
module-video-needs-js = Uploading a video needs JavaScript.
module-video-cancel = Cancel processing

## Covers and PDF slides
file-upload-failed = The file could not be uploaded. Check the file and the connection, then try again.
file-upload-button = Upload
file-upload-progress = Upload progress
teach-cover-heading = Cover picture
teach-cover-none = The course has no cover picture yet.
teach-cover-file-label = Choose a cover picture
teach-cover-file-hint = PNG, JPEG or WebP; 16:9 looks best.
module-pdf-heading = Lecture slides (PDF)
module-pdf-none = No PDF yet; learners see the Markdown slides if there are any.
module-pdf-open = Open the current PDF
module-pdf-file-label = Choose a PDF file
module-pdf-file-hint = The PDF is shown beside the video instead of the Markdown slides.
field-quiz-draw = Questions per attempt
field-quiz-draw-hint = Leave empty to use every question. With a number, each attempt draws that many questions at random from the pool.

## Learning (module page, quiz, my learning)
page-title-learn = Learning
page-title-quiz = Quiz
page-title-my-learning = My learning
nav-my-learning = My learning
learn-state-not-started = Not started
learn-state-in-progress = In progress
learn-state-complete = Complete
learn-watched = Watched { $percent } %
learn-module-of = Module { $number } of { $count }
learn-modules-heading = Modules
learn-slides-heading = Slides
learn-no-video = This module's video is not ready yet.
learn-speed = Speed
learn-captions = Captions
learn-captions-off = Off
learn-back10 = Back 10 seconds
learn-fwd10 = Forward 10 seconds
learn-follow = Follow the video
learn-complete = Module complete
learn-resumed = Resumed at { $time }
learn-offline = Progress will be saved when the connection returns
learn-expired = Your session has ended: reload the page
learn-page-of = Page { $page } of { $pages }
learn-prev-page = Previous page
learn-next-page = Next page
learn-rules = To complete: watch at least { $percent } % of the video and pass the quiz.
learn-rules-no-quiz = To complete: watch at least { $percent } % of the video.
learn-prev = ← Previous module
learn-next = Next module →
learn-course-complete = Congratulations! You have completed the course.
learn-download-slides = Download the slides (PDF)
learn-slide-jump = Jump the video to { $time }
quiz-heading = Quiz
quiz-summary = { $questions } questions · pass mark { $pass } %
quiz-attempts-left = { $left } attempts left
quiz-time-limit = Time limit: { $minutes } minutes
quiz-start = Start the quiz
quiz-resume = Continue the attempt in progress
quiz-passed = You passed the quiz (best score { $best } %)
quiz-exhausted = You have used all your attempts.
quiz-past-attempts = Past attempts
quiz-attempt-number = Attempt { $number }
quiz-score = Score
quiz-result = Result
quiz-result-pass = Passed
quiz-result-fail = Not passed
quiz-submit = Submit answers
quiz-true = True
quiz-false = False
quiz-choose = — Choose —
quiz-your-answer = Your answer
quiz-question-number = Question { $n }
quiz-points = { $points } points
quiz-score-line = You scored { $score } % (pass mark { $pass } %)
quiz-expired = Time was up: answers sent after the limit do not count.
quiz-correct = Correct
quiz-partly-correct = Partly correct
quiz-incorrect = Incorrect
quiz-correctness-hidden = To keep the quiz fair, which answers were right is not shown for now: only your score.
quiz-retry = Try again
quiz-back-to-module = Back to the module
quiz-time-left = { $time } left
quiz-multiple-hint = Select all that apply.
quiz-unanswered-warning = Questions left unanswered score 0.
error-no-attempts-left = You have used all your attempts at this quiz.
my-learning-heading = My learning
my-learning-empty = You are not enrolled in any course yet.
my-learning-browse = Browse the catalogue
my-learning-assigned = Assigned
my-learning-due = Due { $date }
my-learning-overdue = Overdue
my-learning-progress = { $done } of { $total } required modules complete
my-learning-continue = Continue
my-learning-start = Start
my-learning-review = Review
my-learning-completed = Completed on { $date }

## Captions (module editor)
captions-heading = Captions
captions-none = This video has no captions yet.
captions-language = Language
captions-label = Name shown to learners (optional)
captions-file = Caption file
captions-file-hint = WebVTT (.vtt) or SRT (.srt); SRT is converted to WebVTT. Upload the same language again to replace it.
captions-upload = Upload captions
captions-saved = Captions saved.
captions-failed = The captions were not saved:

## Roster invitations and training reminders
email-invite-subject = Invitation to learn online – { app-name }
email-invite-intro = { $organisation } has added you to the officials taking part in the human-rights training programme. Create an account to start learning; your required courses will be waiting once you confirm your email.
email-invite-action = Create an account
email-invite-email = Sign up with this email address: { $email }
email-join-subject = Please confirm you belong to an organisation's roster – { app-name }
email-join-intro = { $organisation } has listed you among its officials in the human-rights training programme. Your account will be linked to its roster, and the organisation's HR staff will follow your training and certificates, only if you confirm.
email-join-action = Confirm I belong to this organisation
email-join-expires = The link is valid for { $days } days.
email-join-ignore = If you do not belong to this organisation, ignore this email: nothing changes.
email-reminder-subject = Reminder: required training to complete – { app-name }
email-reminder-intro = You still have required courses to complete by { $deadline }:
email-reminder-action = Continue learning

## HR: roster and coverage
nav-coverage = Coverage
page-title-roster = Import a roster
page-title-coverage = Coverage report
roster-heading = Import a roster
roster-intro = Upload a CSV or XLSX file with the columns employee id, full name, email, organisation code, province code, cadre groups, position. The file is checked before anything is imported.
roster-file = Roster file (CSV or XLSX)
roster-file-hint = CSV in UTF-8 (comma or semicolon) or Excel (.xlsx). Province codes from before 2025 are accepted.
roster-full = This is the whole roster of the file's organisations (people missing from it are marked inactive)
roster-check = Check the file
roster-import-valid = Import the valid rows
roster-summary = { $valid } of { $rows } rows are valid.
roster-done = Imported: { $created } new, { $updated } updated, { $unchanged } unchanged, { $deactivated } marked inactive.
roster-failed = The file could not be read:
roster-problems-heading = Rows with problems
roster-line = Line
roster-column = Column
roster-reason = Reason
roster-pending-heading = People not linked to their account yet
roster-pending-confirmation-sent = The account belongs to another organisation: its holder is asked by email to confirm joining yours.
roster-pending-confirmation-pending = The account's holder has been asked to confirm joining and has not answered yet.
roster-pending-email-not-verified = The account's email address is not confirmed yet: it will be linked once it is.
roster-column-employee-id = Employee id
roster-column-full-name = Full name
roster-column-email = Email
roster-column-organisation-code = Organisation code
roster-column-province-code = Province code
roster-column-cadre-groups = Cadre groups
roster-column-position = Position
# { $value } and { $first } are filled in by the page; no straight double quotes here (the
# text goes into an HTML attribute).
roster-problem-missing-column = missing column (expected a header such as “{ $value }”)
roster-problem-required = required
roster-problem-too-long = at most { $value } characters
roster-problem-not-an-email = “{ $value }” is not an email address
roster-problem-unknown-organisation = unknown organisation “{ $value }”
roster-problem-not-your-organisation = you do not manage the people of “{ $value }”
roster-problem-unknown-province = unknown province code “{ $value }”
roster-problem-unknown-cadre-group = unknown cadre group “{ $value }”
roster-problem-duplicate = “{ $value }” appears twice (first on line { $first })
coverage-heading = Training coverage
coverage-as-of = Figures as of { $date }.
coverage-export-xlsx = Download XLSX
coverage-export-csv = Download CSV
coverage-export-provinces = Download XLSX by province
coverage-members = { $completed } of { $members } people complete
coverage-target = Target { $target } % by { $deadline }
coverage-target-short = target { $target } %
coverage-gap = { $gap } more people needed
coverage-met = target met
coverage-on-track = On track (projected { $projected } %)
coverage-off-track = Behind (projected { $projected } %)
coverage-trend = Coverage over the last 6 months
coverage-provinces = By province
coverage-province = Province
coverage-organisations = By organisation
coverage-organisation = Organisation
coverage-completed = Complete
coverage-incomplete = Not complete yet
coverage-send-reminders = Send reminders
coverage-person = Name
coverage-missing = Courses still to complete
coverage-no-account = no account yet
coverage-no-members = nobody is on this group's roster yet
coverage-all-complete = Everyone is complete.

## Certificates and due-date reminders (emails)
email-certificate-subject = Certificate of completion – { app-name }
email-certificate-subject-course = Certificate of completion: { $course }
email-certificate-intro = Congratulations! You have completed “{ $course }” and your certificate has been issued.
email-certificate-serial = Certificate number: { $serial }
email-certificate-action = View and download your certificate
email-due-subject = Training due soon – { app-name }
email-due-subject-course = Due soon: { $course } (by { $deadline })
email-due-intro = Your required course “{ $course }” is due by { $deadline } ({ $days } days left).

## Certificates (PDF, pages)
certificate-issuer = Human Rights Communication Programme 2023–2028
certificate-title = Certificate of Completion
certificate-certifies = This certifies that
certificate-completed = has completed the course
certificate-date = Completed on
certificate-study-time = Study time
certificate-serial = Certificate number
certificate-verify = Verify at
certificate-scan = Scan to verify
nav-my-certificates = My certificates
nav-certificates = Certificates
page-title-verify-certificate = Certificate verification
page-title-my-certificates = My certificates
page-title-hr-certificates = Certificates
page-title-hr-export = Certificate export
verify-heading = Certificate verification
verify-valid = Valid certificate
verify-revoked = This certificate was revoked on { $date }
verify-unknown = Certificate not found
verify-unknown-help = The verification code is wrong or does not exist. Check the link or scan the QR code again.
verify-name = Name
verify-course = Course
verify-date = Completed on
verify-serial = Certificate number
my-certificates-heading = My certificates
my-certificates-completed = Completed on { $date }
my-certificates-revoked = Revoked
my-certificates-download = Download PDF
my-certificates-view = Verification page
my-certificates-share = Share link
my-certificates-empty = You have no certificates yet. Complete a course to receive one.
hr-certificates-heading = Certificates
hr-certificates-person = Learner (name, email or number)
hr-certificates-course = Course
hr-certificates-group = Cadre group
hr-certificates-province = Province
hr-certificates-organisation = Organisation
hr-certificates-organisation-code = Organisation code
hr-certificates-from = From
hr-certificates-to = To
hr-certificates-any = Any
hr-certificates-search = Search
hr-certificates-export = Export ZIP (PDFs + CSV list)
hr-certificates-serial = Number
hr-certificates-status = Status
hr-certificates-revoke = Revoke
hr-certificates-reason = Reason for revoking
hr-certificates-more = More
hr-certificates-none = No certificates match.
hr-export-heading = Certificate export
hr-export-progress = Export progress
hr-export-running = Building the ZIP file…
hr-export-done = Done: the ZIP file is ready to download.
hr-export-failed = The ZIP file could not be built.
hr-export-download = Download the ZIP file
email-enrolled-subject = You are enrolled – { app-name }
email-enrolled-subject-course = Enrolled: { $course }
email-enrolled-intro = You are enrolled in “{ $course }”. Each lesson takes 3–5 minutes; learn whenever suits you.
email-assigned-intro = You have been assigned the required course “{ $course }”, due by { $deadline }.
email-enrolled-action = Start learning
