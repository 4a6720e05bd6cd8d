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
