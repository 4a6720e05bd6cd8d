# Tiếng Việt — ngôn ngữ mặc định.
# Mỗi khóa ở đây phải có trong en/main.ftl và ngược lại.

## Chung

app-name = Học trực tuyến Quyền con người
skip-link = Chuyển đến nội dung chính
nav-label = Điều hướng chính
nav-home = Trang chủ
nav-login = Đăng nhập
nav-register = Đăng ký
nav-logout = Đăng xuất
nav-signed-in-as = Đã đăng nhập:
# Tên của ngôn ngữ còn lại, viết bằng chính ngôn ngữ đó.
lang-switch = English
footer-about = Chương trình truyền thông quốc gia về quyền con người — học miễn phí, mọi lúc, trên mọi thiết bị.
error-summary-title = Có lỗi xảy ra

## Tiêu đề trang (mã Rust tra trực tiếp)

page-title-home = Trang chủ
page-title-register = Đăng ký tài khoản
page-title-login = Đăng nhập
page-title-verify = Xác nhận email
page-title-roster-join = Tham gia danh sách cán bộ của đơn vị
page-title-forgot = Quên mật khẩu
page-title-reset = Đặt lại mật khẩu
page-title-error = Lỗi

## Thông báo lỗi (mã Rust tra trực tiếp)

error-invalid-credentials = Email hoặc mật khẩu không đúng.
error-rate-limited = Bạn đã thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại.
error-email-invalid = Địa chỉ email không hợp lệ.
error-password-too-short = Mật khẩu phải có ít nhất 10 ký tự.
error-display-name-required = Vui lòng nhập họ và tên.
error-passwords-differ = Hai mật khẩu không khớp nhau.
error-token-invalid = Đường dẫn không hợp lệ hoặc đã hết hạn. Vui lòng yêu cầu đường dẫn mới.
error-csrf = Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.
error-not-found = Không tìm thấy trang bạn yêu cầu.
error-internal = Hệ thống đang gặp sự cố. Vui lòng thử lại sau.
error-forbidden = Bạn không có quyền truy cập trang này.

## Thông báo (mã Rust tra trực tiếp)

notice-registered = Đăng ký thành công. Vui lòng kiểm tra email để xác nhận tài khoản.
notice-verified = Email của bạn đã được xác nhận. Bạn có thể đăng nhập.
notice-reset-sent = Nếu địa chỉ email này đã đăng ký, chúng tôi đã gửi đường dẫn đặt lại mật khẩu.
notice-password-changed = Mật khẩu đã được thay đổi. Vui lòng đăng nhập bằng mật khẩu mới.
notice-logged-out = Bạn đã đăng xuất.

## Trang chủ

home-title = Tìm hiểu về quyền con người, mỗi ngày vài phút
home-lead = Chương trình truyền thông quốc gia về quyền con người dành cho cán bộ, công chức, nhà báo và mọi người dân. Bài học ngắn, dễ theo dõi trên điện thoại và hoàn toàn miễn phí.
# $name: tên hiển thị của người dùng
home-greeting = Xin chào, { $name }!
home-verify-needed = Vui lòng xác nhận địa chỉ email trước khi ghi danh khóa học. Hãy mở thư chúng tôi đã gửi và nhấn vào đường dẫn xác nhận.
home-cta-register = Đăng ký miễn phí
home-cta-login = Đăng nhập
home-features-title = Cách học
home-feature-video-title = Video ngắn
home-feature-video = Mỗi bài học là một video dài 3–5 phút, kèm slide bài giảng.
home-feature-quiz-title = Câu hỏi ôn tập
home-feature-quiz = Trả lời vài câu hỏi ngắn sau mỗi bài để ghi nhớ kiến thức.
home-feature-cert-title = Giấy chứng nhận
home-feature-cert = Hoàn thành khóa học để nhận giấy chứng nhận có mã QR xác thực.
home-feature-free-title = Miễn phí cho mọi người
home-feature-free = Bất kỳ ai cũng có thể tự đăng ký và học miễn phí.

## Trường biểu mẫu

field-display-name = Họ và tên
field-display-name-hint = Tên này sẽ được in trên giấy chứng nhận của bạn.
field-email = Email
field-password = Mật khẩu
field-new-password = Mật khẩu mới
field-password-hint = Ít nhất 10 ký tự. Nên dùng một cụm từ dễ nhớ nhưng khó đoán.
field-password-confirm = Nhập lại mật khẩu mới

## Đăng ký

register-heading = Tạo tài khoản
register-intro = Đăng ký miễn phí để lưu tiến độ học và nhận giấy chứng nhận.
register-submit = Đăng ký
register-have-account = Đã có tài khoản?
register-login-link = Đăng nhập
register-done-heading = Hãy kiểm tra hộp thư của bạn
# $email: địa chỉ email người dùng đã nhập
register-done-body = Chúng tôi đã gửi thư đến { $email }. Hãy mở thư và nhấn vào đường dẫn để xác nhận tài khoản.
register-done-hint = Nếu sau vài phút vẫn chưa thấy thư, hãy kiểm tra thư mục Thư rác (Spam).
register-done-login-link = Đến trang đăng nhập

## Đăng nhập

login-heading = Đăng nhập
login-submit = Đăng nhập
login-forgot-link = Quên mật khẩu?
login-no-account = Chưa có tài khoản?
login-register-link = Đăng ký miễn phí

## Xác nhận email

verify-success-heading = Email đã được xác nhận
verify-success-body = Cảm ơn bạn! Tài khoản đã sẵn sàng. Hãy đăng nhập để bắt đầu học.
verify-login-link = Đăng nhập
verify-failure-heading = Không thể xác nhận email
verify-failure-body = Đường dẫn xác nhận không hợp lệ hoặc đã hết hạn. Bạn có thể đăng ký lại để nhận đường dẫn mới.
verify-register-link = Đăng ký lại
verify-failure-login-hint = Đã xác nhận trước đó?

## Joining an organisation's roster (from a mailed link)

roster-join-heading = Bạn có thuộc { $organisation } không?
roster-join-intro = Đơn vị này đã đưa bạn vào danh sách cán bộ. Nếu bạn xác nhận, tài khoản của bạn sẽ được gắn với danh sách này: bộ phận tổ chức cán bộ của đơn vị sẽ theo dõi các khóa học bắt buộc và chứng chỉ của bạn.
roster-join-submit = Đúng, tôi thuộc đơn vị này
roster-join-done-heading = Xong: bạn đã có tên trong danh sách của { $organisation }
roster-join-done-body = Các khóa học bắt buộc (nếu có) đang chờ bạn trong mục Học tập của tôi.
roster-join-failed-heading = Không dùng được đường liên kết này
roster-join-failed-body = Đường liên kết không hợp lệ, đã hết hạn hoặc đã được dùng. Hãy đề nghị bộ phận tổ chức cán bộ của đơn vị nhập lại danh sách.

## Quên và đặt lại mật khẩu

forgot-heading = Quên mật khẩu
forgot-intro = Nhập địa chỉ email bạn đã dùng khi đăng ký. Nếu địa chỉ này có tài khoản, chúng tôi sẽ gửi cho bạn đường dẫn để đặt lại mật khẩu.
forgot-submit = Gửi đường dẫn
forgot-back-to-login = Quay lại trang đăng nhập
reset-heading = Đặt mật khẩu mới
reset-intro = Chọn mật khẩu mới cho tài khoản của bạn.
reset-submit = Lưu mật khẩu mới

## Trang lỗi

error-page-status = Mã lỗi
error-page-heading = Rất tiếc, đã có sự cố
error-home-link = Về trang chủ

## Email

# $name: tên hiển thị của người nhận
email-greeting = Xin chào { $name },
email-closing = Trân trọng,
email-signature = Ban tổ chức { app-name }
email-footer = Thư này được gửi tự động từ { app-name }. Vui lòng không trả lời thư này.
email-link-fallback = Nếu nút trên không hoạt động, hãy sao chép đường dẫn sau vào trình duyệt:
# $hours: số giờ đường dẫn còn hiệu lực
email-link-expires = Đường dẫn này có hiệu lực trong { $hours } giờ.
email-verify-subject = Xác nhận địa chỉ email – { app-name }
email-verify-intro = Cảm ơn bạn đã đăng ký tài khoản { app-name }. Vui lòng xác nhận địa chỉ email để bắt đầu học.
email-verify-action = Xác nhận email
email-verify-ignore = Nếu bạn không đăng ký tài khoản này, hãy bỏ qua thư này; tài khoản sẽ không được kích hoạt.
email-reset-subject = Đặt lại mật khẩu – { app-name }
email-reset-intro = Chúng tôi nhận được yêu cầu đặt lại mật khẩu cho tài khoản { app-name } của bạn.
email-reset-action = Đặt mật khẩu mới
email-reset-ignore = Nếu bạn không yêu cầu việc này, hãy bỏ qua thư này; mật khẩu hiện tại của bạn vẫn được giữ nguyên.
email-already-subject = Email của bạn đã có tài khoản – { app-name }
email-already-intro = Ai đó (có thể là chính bạn) vừa thử đăng ký tài khoản { app-name } mới bằng địa chỉ email này. Địa chỉ này đã có tài khoản nên không có tài khoản mới nào được tạo.
email-already-action-intro = Nếu bạn quên mật khẩu, bạn có thể đặt mật khẩu mới bằng đường dẫn dưới đây.
email-already-action = Đặt lại mật khẩu
email-already-ignore = Nếu không phải bạn, hãy bỏ qua thư này. Tài khoản của bạn vẫn an toàn.

## Khóa học: điều hướng, tiêu đề trang, thông báo (mã Rust tra trực tiếp)

nav-catalogue = Khóa học
nav-teach = Giảng dạy
page-title-catalogue = Danh mục khóa học
page-title-course = Khóa học
page-title-teach = Khóa học của tôi
page-title-new-course = Tạo khóa học mới
page-title-edit-course = Chỉnh sửa khóa học
page-title-edit-module = Chỉnh sửa học phần
notice-enrolled = Bạn đã ghi danh khóa học. Chúc bạn học tốt!
notice-course-created = Đã tạo khóa học. Bước tiếp theo: thêm các học phần.
notice-course-saved = Đã lưu thông tin khóa học.
notice-module-added = Đã thêm học phần mới.
notice-module-saved = Đã lưu học phần.
notice-module-deleted = Đã xóa học phần.
notice-media-deleted = Đã xóa tệp.
page-title-teach-media = Tệp của tôi
teach-media-link = Tệp của tôi
teach-media-heading = Tệp của tôi
teach-media-intro = Video, tệp PDF và hình ảnh bạn đã tải lên. Bạn đang dùng { $used } trong { $quota } dung lượng.
teach-media-caption = Các tệp bạn đã tải lên
teach-media-col-file = Tệp
teach-media-col-status = Trạng thái
teach-media-col-size = Dung lượng
teach-media-col-used-by = Đang dùng ở
teach-media-unused = Chưa dùng
teach-media-used-course = khóa học “{ $title }”
teach-media-used-module = học phần “{ $title }”
teach-media-processing = Hãy hủy xử lý trong học phần trước khi xóa.
teach-media-delete = Xóa
teach-media-empty = Bạn chưa tải lên tệp nào. Video, PDF và hình ảnh bạn thêm vào học phần sẽ hiện ở đây.
notice-quiz-saved = Đã lưu bài trắc nghiệm.
notice-published = Khóa học đã được xuất bản.
notice-unpublished = Đã ngừng xuất bản khóa học.
notice-publish-blocked = Chưa thể xuất bản. Vui lòng sửa các lỗi được liệt kê trong phần Xuất bản.
error-enrol-verify = Vui lòng xác nhận địa chỉ email trước khi ghi danh khóa học.
error-learn-verify = Vui lòng xác nhận địa chỉ email trước khi bắt đầu học.
error-not-allowed-course = Bạn không có quyền truy cập khóa học này.

## Tên ngôn ngữ, trạng thái, chế độ hiển thị, loại câu hỏi (dùng cả trong mã Rust)

lang-name-vi = Tiếng Việt
lang-name-en = Tiếng Anh
lang-name-fr = Tiếng Pháp
lang-name-zh = Tiếng Trung
lang-name-km = Tiếng Khmer
lang-name-lo = Tiếng Lào
lang-name-hmn = Tiếng H'Mông
lang-name-tay = Tiếng Tày
visibility-public = Công khai
visibility-restricted = Hạn chế
status-draft = Bản nháp
status-published = Đã xuất bản
status-archived = Đã lưu trữ
question-type-single_choice = Một đáp án đúng
question-type-multiple_choice = Nhiều đáp án đúng
question-type-true_false = Đúng/Sai
question-type-short_answer = Trả lời ngắn
question-type-numeric = Đáp án là số
question-type-matching = Ghép cặp
video-status-uploaded = Đã tải lên, đang chờ xử lý
video-status-probing = Đang kiểm tra tệp
video-status-transcoding = Đang chuyển mã
video-status-ready = Sẵn sàng
video-status-failed = Xử lý thất bại

## Danh mục khóa học

catalogue-heading = Danh mục khóa học
catalogue-intro = Tất cả khóa học đều miễn phí. Tìm theo từ khóa, ngôn ngữ hoặc chủ đề.
catalogue-search-region = Tìm khóa học
catalogue-search-label = Từ khóa
catalogue-search-placeholder = Ví dụ: quyền trẻ em
catalogue-language-label = Ngôn ngữ
catalogue-topic-label = Chủ đề
catalogue-all = Tất cả
catalogue-search-submit = Tìm kiếm
# $count: tổng số khóa học tìm thấy
catalogue-result-count = Tìm thấy { $count } khóa học
catalogue-empty = Không có khóa học nào phù hợp.
catalogue-empty-filtered = Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc.
catalogue-clear-filters = Xem tất cả khóa học
pagination-label = Phân trang
pagination-prev = ← Trang trước
pagination-next = Trang sau →
# $page: trang hiện tại, $pages: tổng số trang
pagination-status = Trang { $page }/{ $pages }

## Trang khóa học

course-back-to-catalogue = ← Danh mục khóa học
# $count: số học phần
course-module-count = { $count } học phần
# $minutes: thời lượng ước tính của cả khóa học
course-duration-about = khoảng { $minutes } phút
course-languages-label = Ngôn ngữ:
course-topics-label = Chủ đề:
course-preview-banner = Bản xem trước của phiên bản chưa xuất bản
course-preview-hint = Trang này hiển thị như người học sẽ thấy sau khi bạn xuất bản. Người học chưa thấy các thay đổi này.
course-enrol-heading = Ghi danh
course-enrol-button = Ghi danh — miễn phí
course-enrol-hint = Bạn có thể học theo tốc độ của mình, trên điện thoại hoặc máy tính.
course-enrolled = Bạn đã ghi danh khóa học này
course-enrolled-hint = Khóa học đã có trong mục Học tập của tôi; tiến độ của bạn được lưu lại.
course-start-learning = Bắt đầu học
course-needs-login = Hãy đăng nhập hoặc tạo tài khoản miễn phí để ghi danh và lưu tiến độ học.
course-login-to-enrol = Đăng nhập để ghi danh
course-register-to-enrol = Đăng ký tài khoản
course-needs-verification = Vui lòng xác nhận địa chỉ email trước khi ghi danh. Hãy mở thư chúng tôi đã gửi và nhấn vào đường dẫn xác nhận.
course-syllabus-heading = Nội dung khóa học
course-no-modules = Khóa học này chưa có học phần nào.
# $number: số thứ tự của học phần
course-module-number = Học phần { $number }
# $minutes: thời lượng video của học phần
course-module-duration = { $minutes } phút
# $count: số câu hỏi trắc nghiệm
course-module-quiz = { $count } câu hỏi trắc nghiệm
course-objectives-label = Sau học phần này, bạn có thể:

## Giảng dạy: danh sách khóa học

breadcrumb-label = Bạn đang ở đây
teach-heading = Khóa học của tôi
teach-new-course = Tạo khóa học mới
teach-courses-caption = Các khóa học bạn phụ trách
teach-col-title = Tên khóa học
teach-col-status = Trạng thái
teach-col-visibility = Hiển thị
teach-col-updated = Cập nhật lần cuối
teach-unpublished-changes = Có thay đổi chưa xuất bản
teach-empty = Bạn chưa có khóa học nào.
teach-empty-hint = Hãy tạo khóa học đầu tiên, sau đó thêm học phần, video và bài trắc nghiệm.
teach-back-to-list = ← Khóa học của tôi
teach-cancel = Hủy

## Giảng dạy: biểu mẫu khóa học

teach-new-course-heading = Tạo khóa học mới
teach-new-course-intro = Khóa học mới được lưu ở dạng bản nháp. Người học chỉ thấy khóa học sau khi bạn xuất bản.
teach-create-course-submit = Tạo khóa học
teach-save-course-submit = Lưu thông tin khóa học
field-course-title = Tên khóa học
field-course-slug = Đường dẫn rút gọn (slug)
field-course-slug-hint = Không bắt buộc. Để trống để tạo tự động từ tên khóa học. Chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ: quyen-tre-em.
field-course-slug-edit-hint = Chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang. Nếu đổi sau khi xuất bản, đường dẫn cũ mà người học đã lưu sẽ không còn dùng được.
field-course-summary = Mô tả ngắn
field-course-summary-hint = Hai đến ba câu giới thiệu khóa học; hiển thị trong danh mục.
field-course-language = Ngôn ngữ chính
field-course-language-hint = Ngôn ngữ của tên, mô tả và bài giảng ở trên.
field-course-visibility = Chế độ hiển thị
field-course-visibility-hint = Công khai: mọi người đều tìm thấy và ghi danh được. Hạn chế: chỉ những người được cấp quyền.
field-course-topics = Chủ đề
field-course-topics-hint = Ngăn cách bằng dấu phẩy, viết thường không dấu, ví dụ: quyen-con-nguoi, cong-uoc-quoc-te.
field-course-minutes = Thời lượng ước tính (phút)
field-course-minutes-hint = Tổng thời gian học, kể cả video và bài trắc nghiệm.
field-english-legend = Bản dịch tiếng Anh
field-english-hint = Không bắt buộc. Hiển thị cho người học dùng giao diện tiếng Anh; nếu để trống, người học sẽ thấy nội dung bằng ngôn ngữ chính.
field-course-title-en = Tên khóa học (tiếng Anh)
field-course-summary-en = Mô tả ngắn (tiếng Anh)

## Giảng dạy: trang khóa học

teach-toc-label = Các phần của trang
teach-details-heading = Thông tin khóa học
teach-modules-heading = Học phần
teach-publishing-heading = Xuất bản
teach-badge-video-ready = Video: sẵn sàng
teach-badge-video-failed = Video: xử lý thất bại
teach-badge-video-processing = Video: đang xử lý
teach-badge-video-missing = Chưa có video
# $count: số câu hỏi trắc nghiệm
teach-badge-quiz = Trắc nghiệm: { $count } câu
teach-badge-no-quiz = Chưa có trắc nghiệm
teach-module-move-up = Chuyển lên
teach-module-move-down = Chuyển xuống
teach-module-edit = Chỉnh sửa
teach-module-delete-open = Xóa học phần…
teach-module-delete-warning = Học phần, slide và bài trắc nghiệm của học phần sẽ bị xóa. Không thể hoàn tác.
# $title: tên học phần
teach-module-delete-confirm = Xóa vĩnh viễn “{ $title }”
teach-no-modules = Khóa học chưa có học phần nào. Hãy thêm học phần đầu tiên bên dưới.
teach-add-module-label = Tên học phần mới
teach-add-module-submit = Thêm học phần
teach-status-label = Trạng thái:
teach-unpublished-changes-hint = Người học vẫn thấy phiên bản đã xuất bản trước đó cho đến khi bạn xuất bản các thay đổi.
teach-public-link-label = Đường dẫn công khai:
teach-problems-errors-heading = Lỗi cần sửa trước khi xuất bản
teach-problems-warnings-heading = Cảnh báo (không chặn việc xuất bản)
teach-no-problems = Không phát hiện vấn đề nào. Khóa học đã sẵn sàng để xuất bản.
teach-publish-submit = Xuất bản khóa học
teach-publish-changes-submit = Xuất bản các thay đổi
teach-publish-blocked-hint = Nút Xuất bản chỉ dùng được khi đã sửa hết các lỗi ở trên.
teach-preview-link = Xem trước như người học
teach-unpublish-hint = Ngừng xuất bản sẽ ẩn khóa học khỏi danh mục.
teach-unpublish-submit = Ngừng xuất bản

## Giảng dạy: trang học phần

module-content-heading = Nội dung học phần
module-save-submit = Lưu học phần
field-module-title = Tên học phần
field-module-objectives = Mục tiêu học tập
field-module-objectives-hint = Mỗi dòng một mục tiêu.
field-module-slides = Slide bài giảng (Markdown)
# $example: ví dụ cú pháp, hiển thị dạng mã
field-module-slides-hint = Mỗi dòng như { $example } bắt đầu một slide mới. Mốc thời gian (phút:giây trong video) là tùy chọn; nếu có, slide sẽ tự chuyển theo video.
field-module-slides-example = Tiêu đề
field-module-rules-legend = Điều kiện hoàn thành
field-module-min-watched = Tỷ lệ xem video tối thiểu (%)
field-module-min-watched-hint = Phần trăm thời lượng video người học cần xem.
field-module-pass-mark = Điểm đạt (%)
field-module-pass-mark-hint = Tỷ lệ câu trả lời đúng cần có để đạt bài trắc nghiệm.
field-module-max-attempts = Số lần làm bài tối đa
field-module-max-attempts-hint = Để trống nếu không giới hạn.
field-module-time-limit = Thời gian cho mỗi lần làm bài (phút)
field-module-time-limit-hint = Để trống nếu không giới hạn thời gian.
field-module-required = Học phần bắt buộc
field-module-required-hint = Người học phải hoàn thành học phần này để được cấp giấy chứng nhận.
field-module-title-en = Tên học phần (tiếng Anh)
field-module-objectives-en = Mục tiêu học tập (tiếng Anh)
field-module-slides-en = Slide bài giảng (tiếng Anh)
module-video-heading = Video
module-video-status-label = Trạng thái:
# $seconds: thời lượng video tính bằng giây
module-video-duration = Thời lượng: { $seconds } giây
# $id: mã tệp video
module-video-asset = Mã tệp: { $id }
module-video-none = Học phần này chưa có video.
module-quiz-heading = Bài trắc nghiệm
quiz-problems-heading = Chưa thể nhập bài trắc nghiệm: hãy sửa các dòng sau
# $line: số dòng trong nội dung GIFT
quiz-problem-line = Dòng { $line }:
field-quiz-gift = Bài trắc nghiệm ở định dạng GIFT
field-quiz-gift-hint = Mỗi câu hỏi là một đoạn; đáp án nằm trong dấu ngoặc nhọn. Các loại câu hỏi được hỗ trợ:
field-quiz-gift-hint-blank-line = Để một dòng trống giữa hai câu hỏi.
field-quiz-gift-en = Bản dịch tiếng Anh (GIFT)
field-quiz-gift-en-hint = Không bắt buộc. Giữ nguyên các câu hỏi và thứ tự như bản chính ở trên, chỉ dịch nội dung.
quiz-example-single_choice = Thủ đô của Việt Nam là thành phố nào? {"{"}=Hà Nội ~Huế ~Đà Nẵng{"}"}
quiz-example-multiple_choice = Quyền nào là quyền dân sự, chính trị? {"{"}~%50%Quyền sống ~%50%Quyền tự do ngôn luận ~%-100%Quyền có việc làm{"}"}
quiz-example-true_false = Việt Nam là thành viên của Công ước về quyền trẻ em. {"{"}T{"}"}
quiz-example-short_answer = Tên viết tắt của Công ước về quyền trẻ em là {"{"}=CRC{"}"}
quiz-example-numeric = Việt Nam gia nhập ICCPR vào năm nào? {"{"}#1982:0{"}"}
quiz-example-matching = Ghép mỗi công ước với năm được thông qua. {"{"}=ICCPR -> 1966 =CEDAW -> 1979 =CRC -> 1989{"}"}
quiz-save-submit = Lưu bài trắc nghiệm
quiz-questions-heading = Các câu hỏi đã nhập
quiz-no-questions = Chưa có câu hỏi nào.
quiz-export-link = Tải tệp GIFT

## Video upload
module-video-file-label = Chọn tệp video (3–5 phút)
module-video-file-hint = MP4, MOV, MKV hoặc WebM, tối đa 2 GiB. Nếu mất kết nối, việc tải lên sẽ tự tiếp tục từ chỗ đã dừng.
module-video-upload-button = Tải video lên
module-video-uploading = Đang tải lên
module-video-transcoding = Đang xử lý video
module-video-ready-reload = Video đã sẵn sàng. Đang tải lại trang…
module-video-upload-failed = Không tải được video lên. Hãy kiểm tra kết nối và thử lại.
module-video-resumed = Tiếp tục lần tải lên trước đó.
module-video-needs-js = Cần bật JavaScript để tải video lên.
module-video-cancel = Hủy xử lý

## Covers and PDF slides
file-upload-failed = Không tải tệp lên được. Hãy kiểm tra tệp và kết nối rồi thử lại.
file-upload-button = Tải lên
file-upload-progress = Tiến độ tải lên
teach-cover-heading = Ảnh bìa
teach-cover-none = Khóa học chưa có ảnh bìa.
teach-cover-file-label = Chọn ảnh bìa
teach-cover-file-hint = PNG, JPEG hoặc WebP, tỷ lệ 16:9 hiển thị đẹp nhất.
module-pdf-heading = Slide bài giảng (PDF)
module-pdf-none = Chưa có tệp PDF; học viên sẽ thấy slide Markdown nếu có.
module-pdf-open = Mở tệp PDF hiện tại
module-pdf-file-label = Chọn tệp PDF
module-pdf-file-hint = Tệp PDF sẽ được hiển thị bên cạnh video, thay cho slide Markdown.
field-quiz-draw = Số câu hỏi mỗi lần làm bài
field-quiz-draw-hint = Để trống để dùng mọi câu hỏi. Nếu nhập một số, mỗi lần làm bài sẽ rút ngẫu nhiên chừng ấy câu từ ngân hàng câu hỏi.

## Learning (module page, quiz, my learning)
page-title-learn = Học tập
page-title-quiz = Bài kiểm tra
page-title-my-learning = Học tập của tôi
nav-my-learning = Học tập của tôi
learn-state-not-started = Chưa học
learn-state-in-progress = Đang học
learn-state-complete = Hoàn thành
learn-watched = Đã xem { $percent } %
learn-module-of = Bài { $number }/{ $count }
learn-modules-heading = Các bài học
learn-slides-heading = Trình chiếu
learn-no-video = Video của bài này chưa sẵn sàng.
learn-speed = Tốc độ
learn-captions = Phụ đề
learn-captions-off = Tắt
learn-back10 = Lùi 10 giây
learn-fwd10 = Tới 10 giây
learn-follow = Theo video
learn-complete = Bạn đã hoàn thành bài này
learn-resumed = Tiếp tục từ { $time }
learn-offline = Tiến độ sẽ được lưu khi có kết nối trở lại
learn-expired = Phiên học đã hết hạn: hãy tải lại trang
learn-page-of = Trang { $page }/{ $pages }
learn-prev-page = Trang trước
learn-next-page = Trang sau
learn-rules = Để hoàn thành: xem ít nhất { $percent } % video và đạt bài kiểm tra.
learn-rules-no-quiz = Để hoàn thành: xem ít nhất { $percent } % video.
learn-prev = ← Bài trước
learn-next = Bài tiếp theo →
learn-course-complete = Chúc mừng! Bạn đã hoàn thành khóa học.
learn-download-slides = Tải tệp trình chiếu (PDF)
learn-slide-jump = Chuyển video đến { $time }
quiz-heading = Bài kiểm tra
quiz-summary = { $questions } câu hỏi · cần đạt { $pass } %
quiz-attempts-left = Còn { $left } lượt làm bài
quiz-time-limit = Thời gian làm bài: { $minutes } phút
quiz-start = Làm bài kiểm tra
quiz-resume = Tiếp tục bài đang làm
quiz-passed = Bạn đã đạt bài kiểm tra (điểm cao nhất { $best } %)
quiz-exhausted = Bạn đã dùng hết số lượt làm bài.
quiz-past-attempts = Các lần làm trước
quiz-attempt-number = Lần { $number }
quiz-score = Điểm
quiz-result = Kết quả
quiz-result-pass = Đạt
quiz-result-fail = Chưa đạt
quiz-submit = Nộp bài
quiz-true = Đúng
quiz-false = Sai
quiz-choose = — Chọn —
quiz-your-answer = Câu trả lời của bạn
quiz-question-number = Câu { $n }
quiz-points = { $points } điểm
quiz-score-line = Bạn được { $score } % (cần đạt { $pass } %)
quiz-expired = Đã hết giờ: câu trả lời nộp sau thời hạn không được tính.
quiz-correct = Đúng
quiz-partly-correct = Đúng một phần
quiz-incorrect = Chưa đúng
quiz-correctness-hidden = Để bài kiểm tra công bằng, kết quả từng câu và đáp án đúng chưa được hiển thị: chỉ có điểm của bạn.
quiz-retry = Làm lại
quiz-back-to-module = Quay lại bài học
quiz-time-left = Còn lại { $time }
quiz-multiple-hint = Chọn tất cả đáp án đúng.
quiz-unanswered-warning = Câu hỏi chưa trả lời sẽ được tính 0 điểm.
error-no-attempts-left = Bạn đã dùng hết số lượt làm bài kiểm tra này.
my-learning-heading = Học tập của tôi
my-learning-empty = Bạn chưa ghi danh khóa học nào.
my-learning-browse = Xem danh mục khóa học
my-learning-assigned = Được giao
my-learning-due = Hạn hoàn thành: { $date }
my-learning-overdue = Quá hạn
my-learning-progress = { $done }/{ $total } bài bắt buộc đã hoàn thành
my-learning-continue = Tiếp tục học
my-learning-start = Bắt đầu học
my-learning-review = Xem lại
my-learning-completed = Hoàn thành ngày { $date }

## Captions (module editor)
captions-heading = Phụ đề
captions-none = Video chưa có phụ đề.
captions-language = Ngôn ngữ
captions-label = Tên hiển thị (không bắt buộc)
captions-file = Tệp phụ đề
captions-file-hint = WebVTT (.vtt) hoặc SRT (.srt); tệp SRT được chuyển sang WebVTT. Tải lại cùng ngôn ngữ để thay thế.
captions-upload = Tải phụ đề lên
captions-saved = Đã lưu phụ đề.
captions-failed = Không lưu được phụ đề:

## Roster invitations and training reminders
email-invite-subject = Lời mời tham gia học trực tuyến – { app-name }
email-invite-intro = { $organisation } đã đưa bạn vào danh sách cán bộ tham gia chương trình bồi dưỡng về quyền con người. Hãy tạo tài khoản để bắt đầu học; các khóa học bắt buộc sẽ có sẵn khi bạn xác nhận email.
email-invite-action = Tạo tài khoản
email-invite-email = Hãy đăng ký bằng đúng địa chỉ email này: { $email }
email-join-subject = Xác nhận bạn thuộc danh sách cán bộ của một đơn vị – { app-name }
email-join-intro = { $organisation } đã đưa bạn vào danh sách cán bộ tham gia chương trình bồi dưỡng về quyền con người. Tài khoản của bạn chỉ được gắn với danh sách này, và bộ phận tổ chức cán bộ của đơn vị chỉ theo dõi việc học và chứng chỉ của bạn, khi bạn xác nhận.
email-join-action = Xác nhận tôi thuộc đơn vị này
email-join-expires = Đường liên kết có hiệu lực trong { $days } ngày.
email-join-ignore = Nếu bạn không thuộc đơn vị này, hãy bỏ qua thư: không có gì thay đổi.
email-reminder-subject = Nhắc nhở hoàn thành khóa học bắt buộc – { app-name }
email-reminder-intro = Bạn còn các khóa học bắt buộc chưa hoàn thành, hạn chót { $deadline }:
email-reminder-action = Tiếp tục học

## HR: roster and coverage
nav-coverage = Báo cáo bao phủ
page-title-roster = Nhập danh sách cán bộ
page-title-coverage = Báo cáo bao phủ
roster-heading = Nhập danh sách cán bộ
roster-intro = Tải lên tệp CSV hoặc XLSX với các cột: mã cán bộ, họ và tên, email, mã đơn vị, mã tỉnh, nhóm cán bộ, chức vụ. Hệ thống kiểm tra trước khi nhập.
roster-file = Tệp danh sách (CSV hoặc XLSX)
roster-file-hint = CSV UTF-8 (dấu phẩy hoặc chấm phẩy) hoặc Excel (.xlsx). Mã tỉnh cũ trước 2025 vẫn được chấp nhận.
roster-full = Đây là toàn bộ danh sách của các đơn vị trong tệp (người không có trong tệp sẽ được đánh dấu ngừng hoạt động)
roster-check = Kiểm tra tệp
roster-import-valid = Nhập các dòng hợp lệ
roster-summary = { $valid }/{ $rows } dòng hợp lệ.
roster-done = Đã nhập: { $created } mới, { $updated } cập nhật, { $unchanged } không đổi, { $deactivated } ngừng hoạt động.
roster-failed = Không đọc được tệp:
roster-problems-heading = Các dòng có lỗi
roster-line = Dòng
roster-column = Cột
roster-reason = Lý do
roster-pending-heading = Những người chưa được gắn với tài khoản
roster-pending-confirmation-sent = Tài khoản thuộc đơn vị khác: chủ tài khoản được đề nghị qua email xác nhận tham gia đơn vị của bạn.
roster-pending-confirmation-pending = Chủ tài khoản đã được đề nghị xác nhận tham gia nhưng chưa trả lời.
roster-pending-email-not-verified = Địa chỉ email của tài khoản chưa được xác nhận: tài khoản sẽ được gắn khi email được xác nhận.
roster-column-employee-id = Mã cán bộ
roster-column-full-name = Họ và tên
roster-column-email = Email
roster-column-organisation-code = Mã đơn vị
roster-column-province-code = Mã tỉnh
roster-column-cadre-groups = Nhóm cán bộ
roster-column-position = Chức vụ
# { $value } và { $first } do trang điền vào; không dùng dấu nháy kép thẳng (văn bản nằm
# trong một thuộc tính HTML).
roster-problem-missing-column = thiếu cột (cần một tiêu đề như “{ $value }”)
roster-problem-required = bắt buộc
roster-problem-too-long = tối đa { $value } ký tự
roster-problem-not-an-email = “{ $value }” không phải là địa chỉ email
roster-problem-unknown-organisation = không có đơn vị “{ $value }”
roster-problem-not-your-organisation = bạn không quản lý cán bộ của “{ $value }”
roster-problem-unknown-province = không có mã tỉnh “{ $value }”
roster-problem-unknown-cadre-group = không có nhóm cán bộ “{ $value }”
roster-problem-duplicate = mã “{ $value }” xuất hiện hai lần (lần đầu ở dòng { $first })
coverage-heading = Báo cáo bao phủ đào tạo
coverage-as-of = Số liệu đến ngày { $date }.
coverage-export-xlsx = Tải XLSX
coverage-export-csv = Tải CSV
coverage-export-provinces = Tải XLSX theo tỉnh
coverage-members = { $completed }/{ $members } người đã hoàn thành
coverage-target = Mục tiêu { $target } % trước { $deadline }
coverage-target-short = mục tiêu { $target } %
coverage-gap = còn thiếu { $gap } người
coverage-met = đã đạt mục tiêu
coverage-on-track = Đúng tiến độ (dự kiến { $projected } %)
coverage-off-track = Chậm tiến độ (dự kiến { $projected } %)
coverage-trend = Tỷ lệ hoàn thành 6 tháng gần nhất
coverage-provinces = Theo tỉnh, thành phố
coverage-province = Tỉnh, thành phố
coverage-organisations = Theo đơn vị
coverage-organisation = Đơn vị
coverage-completed = Hoàn thành
coverage-incomplete = Chưa hoàn thành
coverage-send-reminders = Gửi nhắc nhở
coverage-person = Họ và tên
coverage-missing = Khóa học còn thiếu
coverage-no-account = chưa có tài khoản
coverage-no-members = chưa có ai trong danh sách của nhóm
coverage-all-complete = Tất cả đã hoàn thành.

## Certificates and due-date reminders (emails)
email-certificate-subject = Chứng nhận hoàn thành khóa học – { app-name }
email-certificate-subject-course = Chứng nhận hoàn thành: { $course }
email-certificate-intro = Chúc mừng! Bạn đã hoàn thành khóa học “{ $course }” và được cấp chứng nhận.
email-certificate-serial = Số hiệu chứng nhận: { $serial }
email-certificate-action = Xem và tải chứng nhận
email-due-subject = Sắp đến hạn hoàn thành khóa học – { app-name }
email-due-subject-course = Sắp đến hạn: { $course } (hạn chót { $deadline })
email-due-intro = Khóa học bắt buộc “{ $course }” của bạn cần hoàn thành trước ngày { $deadline } (còn { $days } ngày).

## Certificates (PDF, pages)
certificate-issuer = Chương trình truyền thông về quyền con người 2023–2028
certificate-title = Chứng nhận hoàn thành
certificate-certifies = Chứng nhận
certificate-completed = đã hoàn thành khóa học
certificate-date = Ngày hoàn thành
certificate-study-time = Thời gian học
certificate-serial = Số hiệu
certificate-verify = Xác minh tại
certificate-scan = Quét mã để xác minh
nav-my-certificates = Chứng nhận của tôi
nav-certificates = Chứng nhận
page-title-verify-certificate = Xác minh chứng nhận
page-title-my-certificates = Chứng nhận của tôi
page-title-hr-certificates = Quản lý chứng nhận
page-title-hr-export = Xuất chứng nhận
verify-heading = Xác minh chứng nhận
verify-valid = Chứng nhận hợp lệ
verify-revoked = Chứng nhận đã bị thu hồi ngày { $date }
verify-unknown = Không tìm thấy chứng nhận
verify-unknown-help = Mã xác minh không đúng hoặc không tồn tại. Hãy kiểm tra lại đường dẫn hoặc quét lại mã QR.
verify-name = Họ và tên
verify-course = Khóa học
verify-date = Ngày hoàn thành
verify-serial = Số hiệu
my-certificates-heading = Chứng nhận của tôi
my-certificates-completed = Hoàn thành ngày { $date }
my-certificates-revoked = Đã bị thu hồi
my-certificates-download = Tải PDF
my-certificates-view = Trang xác minh
my-certificates-share = Đường dẫn chia sẻ
my-certificates-empty = Bạn chưa có chứng nhận nào. Hoàn thành một khóa học để nhận chứng nhận.
hr-certificates-heading = Chứng nhận
hr-certificates-person = Người học (tên, email hoặc số hiệu)
hr-certificates-course = Khóa học
hr-certificates-group = Nhóm đối tượng
hr-certificates-province = Tỉnh/thành phố
hr-certificates-organisation = Cơ quan
hr-certificates-organisation-code = Mã cơ quan
hr-certificates-from = Từ ngày
hr-certificates-to = Đến ngày
hr-certificates-any = Tất cả
hr-certificates-search = Tìm kiếm
hr-certificates-export = Xuất tệp ZIP (PDF + danh sách CSV)
hr-certificates-serial = Số hiệu
hr-certificates-status = Trạng thái
hr-certificates-revoke = Thu hồi
hr-certificates-reason = Lý do thu hồi
hr-certificates-more = Xem thêm
hr-certificates-none = Không có chứng nhận nào phù hợp.
hr-export-heading = Xuất chứng nhận
hr-export-progress = Tiến độ xuất tệp
hr-export-running = Đang tạo tệp ZIP…
hr-export-done = Đã xong: tệp ZIP sẵn sàng để tải.
hr-export-failed = Không tạo được tệp ZIP.
hr-export-download = Tải tệp ZIP
email-enrolled-subject = Bạn đã ghi danh khóa học – { app-name }
email-enrolled-subject-course = Ghi danh: { $course }
email-enrolled-intro = Bạn đã ghi danh khóa học “{ $course }”. Mỗi bài chỉ 3–5 phút, học lúc nào cũng được.
email-assigned-intro = Bạn được giao khóa học bắt buộc “{ $course }”, cần hoàn thành trước ngày { $deadline }.
email-enrolled-action = Bắt đầu học
