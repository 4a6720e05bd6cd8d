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
