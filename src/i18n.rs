//! Texts in English, Simplified Chinese, Spanish and Arabic. Every key and every `kyc-domain`
//! error code has text in every locale: the matches are exhaustive, so a missing translation
//! is a compile error. Hosts can override any string by its key name.

use kyc_domain::{ErrorCode, Violation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    Zh,
    Es,
    Ar,
}

impl Locale {
    /// A BCP 47 tag (`en`, `zh-CN`, `es-MX`, `ar-EG`, …) → a supported locale (English otherwise).
    pub fn parse(tag: &str) -> Self {
        match tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase().as_str() {
            "zh" => Self::Zh,
            "es" => Self::Es,
            "ar" => Self::Ar,
            _ => Self::En,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh-CN",
            Self::Es => "es",
            Self::Ar => "ar",
        }
    }

    pub fn dir(self) -> &'static str {
        if self == Self::Ar {
            "rtl"
        } else {
            "ltr"
        }
    }
}

macro_rules! keys {
    ($($k:ident = $name:literal),* $(,)?) => {
        /// Every UI string, with its stable name for host overrides (`strings: { continue: "Next" }`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key { $($k),* }
        impl Key {
            pub fn name(self) -> &'static str { match self { $(Key::$k => $name),* } }
        }
    };
}

keys! {
    Title = "title", StepPersonal = "step_personal", StepDocument = "step_document",
    StepAddress = "step_address", StepPhotos = "step_photos", StepReview = "step_review",
    StepResult = "step_result", StepOf = "step_of", Steps = "steps",
    FirstName = "first_name", LastName = "last_name", Email = "email", DateOfBirth = "date_of_birth",
    DateHint = "date_hint", Gender = "gender", Male = "male", Female = "female",
    Nationality = "nationality", Choose = "choose", DocumentType = "document_type", IdCard = "id_card",
    Passport = "passport", ResidencePermit = "residence_permit", DriversLicence = "drivers_licence",
    DocumentNumber = "document_number", ExpiryDate = "expiry_date", NoExpiry = "no_expiry",
    Country = "country", State = "state", StateOther = "state_other", City = "city",
    Street = "street", Zip = "zip", Ssn = "ssn", SsnHint = "ssn_hint", FrontOfId = "front_of_id",
    BackOfId = "back_of_id", Face = "face", Optional = "optional", UseCamera = "use_camera",
    TakePhoto = "take_photo", CloseCamera = "close_camera", CameraFailed = "camera_failed",
    Blurry = "blurry", Processing = "processing", PhotoReady = "photo_ready", Uploading = "uploading",
    Uploaded = "uploaded", UploadFailed = "upload_failed", Continue = "continue", Back = "back",
    Submit = "submit", Edit = "edit", FixErrors = "fix_errors", Sending = "sending",
    NetworkError = "network_error", TryAgain = "try_again", ResultApproved = "result_approved",
    ResultRejected = "result_rejected", ResultReviewing = "result_reviewing", Checking = "checking",
    DoesNotExpire = "does_not_expire", NotProvided = "not_provided", Attached = "attached",
    Exit = "exit", SessionExpired = "session_expired", ServerError = "server_error",
    PreviewOf = "preview_of", UploadOf = "upload_of",
}

fn en(k: Key) -> &'static str {
    match k {
        Key::Title => "Verify your identity",
        Key::StepPersonal => "Personal details",
        Key::StepDocument => "Identity document",
        Key::StepAddress => "Address",
        Key::StepPhotos => "Photos",
        Key::StepReview => "Review",
        Key::StepResult => "Result",
        Key::StepOf => "Step {n} of {total}",
        Key::Steps => "Progress",
        Key::FirstName => "First name",
        Key::LastName => "Last name",
        Key::Email => "Email",
        Key::DateOfBirth => "Date of birth",
        Key::DateHint => "Format: YYYY-MM-DD, for example 1990-04-01",
        Key::Gender => "Gender",
        Key::Male => "Male",
        Key::Female => "Female",
        Key::Nationality => "Nationality",
        Key::Choose => "Choose…",
        Key::DocumentType => "Document type",
        Key::IdCard => "National ID card",
        Key::Passport => "Passport",
        Key::ResidencePermit => "Residence permit",
        Key::DriversLicence => "Driver's licence",
        Key::DocumentNumber => "Document number",
        Key::ExpiryDate => "Expiry date",
        Key::NoExpiry => "This document does not expire",
        Key::Country => "Country",
        Key::State => "State",
        Key::StateOther => "State / Province / Region",
        Key::City => "City",
        Key::Street => "Street address",
        Key::Zip => "ZIP / Postal code",
        Key::Ssn => "Social Security Number",
        Key::SsnHint => "9 digits, for example 123-45-6789",
        Key::FrontOfId => "Front of ID",
        Key::BackOfId => "Back of ID",
        Key::Face => "Photo of your face",
        Key::Optional => "(optional)",
        Key::UseCamera => "Use camera",
        Key::TakePhoto => "Take photo",
        Key::CloseCamera => "Close camera",
        Key::CameraFailed => "The camera could not be started. Choose a file instead.",
        Key::Blurry => "This photo looks blurry — retake?",
        Key::Processing => "Preparing the photo…",
        Key::PhotoReady => "Photo ready",
        Key::Uploading => "Uploading… {pct}%",
        Key::Uploaded => "Uploaded",
        Key::UploadFailed => "The upload failed. Your photo is kept.",
        Key::Continue => "Continue",
        Key::Back => "Back",
        Key::Submit => "Submit",
        Key::Edit => "Edit",
        Key::FixErrors => "Please correct the highlighted fields.",
        Key::Sending => "Sending…",
        Key::NetworkError => "We could not reach the server. Nothing you entered was lost.",
        Key::TryAgain => "Try again",
        Key::ResultApproved => "Your identity has been approved.",
        Key::ResultRejected => "Your application was rejected.",
        Key::ResultReviewing => "Your application is under review. You can close this page; we will let you know.",
        Key::Checking => "Checking the status…",
        Key::DoesNotExpire => "Does not expire",
        Key::NotProvided => "Not provided",
        Key::Attached => "Attached",
        Key::Exit => "Exit",
        Key::SessionExpired => "This session has expired. Please start again.",
        Key::ServerError => "Something went wrong on our side. Please try again.",
        Key::PreviewOf => "Preview: {name}",
        Key::UploadOf => "Upload of {name}",
    }
}

fn zh(k: Key) -> &'static str {
    match k {
        Key::Title => "验证您的身份",
        Key::StepPersonal => "个人信息",
        Key::StepDocument => "身份证件",
        Key::StepAddress => "地址",
        Key::StepPhotos => "照片",
        Key::StepReview => "核对",
        Key::StepResult => "结果",
        Key::StepOf => "第 {n} 步，共 {total} 步",
        Key::Steps => "进度",
        Key::FirstName => "名",
        Key::LastName => "姓",
        Key::Email => "电子邮箱",
        Key::DateOfBirth => "出生日期",
        Key::DateHint => "格式：YYYY-MM-DD，例如 1990-04-01",
        Key::Gender => "性别",
        Key::Male => "男",
        Key::Female => "女",
        Key::Nationality => "国籍",
        Key::Choose => "请选择…",
        Key::DocumentType => "证件类型",
        Key::IdCard => "身份证",
        Key::Passport => "护照",
        Key::ResidencePermit => "居留许可",
        Key::DriversLicence => "驾驶证",
        Key::DocumentNumber => "证件号码",
        Key::ExpiryDate => "有效期至",
        Key::NoExpiry => "此证件长期有效",
        Key::Country => "国家/地区",
        Key::State => "州",
        Key::StateOther => "州 / 省 / 地区",
        Key::City => "城市",
        Key::Street => "街道地址",
        Key::Zip => "邮政编码",
        Key::Ssn => "社会安全号码",
        Key::SsnHint => "9 位数字，例如 123-45-6789",
        Key::FrontOfId => "证件正面",
        Key::BackOfId => "证件背面",
        Key::Face => "本人面部照片",
        Key::Optional => "（可选）",
        Key::UseCamera => "使用相机",
        Key::TakePhoto => "拍照",
        Key::CloseCamera => "关闭相机",
        Key::CameraFailed => "无法启动相机，请改为选择文件。",
        Key::Blurry => "这张照片看起来有些模糊，要重拍吗？",
        Key::Processing => "正在处理照片…",
        Key::PhotoReady => "照片已就绪",
        Key::Uploading => "正在上传… {pct}%",
        Key::Uploaded => "已上传",
        Key::UploadFailed => "上传失败。您的照片仍已保留。",
        Key::Continue => "继续",
        Key::Back => "返回",
        Key::Submit => "提交",
        Key::Edit => "修改",
        Key::FixErrors => "请更正标出的字段。",
        Key::Sending => "正在发送…",
        Key::NetworkError => "无法连接服务器。您填写的内容都没有丢失。",
        Key::TryAgain => "重试",
        Key::ResultApproved => "您的身份已通过验证（approved）。",
        Key::ResultRejected => "您的申请未通过（rejected）。",
        Key::ResultReviewing => "您的申请正在审核中（under review）。您可以关闭此页面，我们会通知您。",
        Key::Checking => "正在查询状态…",
        Key::DoesNotExpire => "长期有效",
        Key::NotProvided => "未提供",
        Key::Attached => "已添加",
        Key::Exit => "退出",
        Key::SessionExpired => "会话已过期，请重新开始。",
        Key::ServerError => "我们这边出了点问题，请重试。",
        Key::PreviewOf => "预览：{name}",
        Key::UploadOf => "{name}的上传进度",
    }
}

fn es(k: Key) -> &'static str {
    match k {
        Key::Title => "Verifica tu identidad",
        Key::StepPersonal => "Datos personales",
        Key::StepDocument => "Documento de identidad",
        Key::StepAddress => "Dirección",
        Key::StepPhotos => "Fotos",
        Key::StepReview => "Revisión",
        Key::StepResult => "Resultado",
        Key::StepOf => "Paso {n} de {total}",
        Key::Steps => "Progreso",
        Key::FirstName => "Nombre",
        Key::LastName => "Apellidos",
        Key::Email => "Correo electrónico",
        Key::DateOfBirth => "Fecha de nacimiento",
        Key::DateHint => "Formato: AAAA-MM-DD, por ejemplo 1990-04-01",
        Key::Gender => "Sexo",
        Key::Male => "Hombre",
        Key::Female => "Mujer",
        Key::Nationality => "Nacionalidad",
        Key::Choose => "Elige…",
        Key::DocumentType => "Tipo de documento",
        Key::IdCard => "Documento nacional de identidad",
        Key::Passport => "Pasaporte",
        Key::ResidencePermit => "Permiso de residencia",
        Key::DriversLicence => "Permiso de conducir",
        Key::DocumentNumber => "Número de documento",
        Key::ExpiryDate => "Fecha de caducidad",
        Key::NoExpiry => "Este documento no caduca",
        Key::Country => "País",
        Key::State => "Estado",
        Key::StateOther => "Estado / Provincia / Región",
        Key::City => "Ciudad",
        Key::Street => "Dirección postal",
        Key::Zip => "Código postal",
        Key::Ssn => "Número de la Seguridad Social (SSN)",
        Key::SsnHint => "9 dígitos, por ejemplo 123-45-6789",
        Key::FrontOfId => "Anverso del documento",
        Key::BackOfId => "Reverso del documento",
        Key::Face => "Foto de tu cara",
        Key::Optional => "(opcional)",
        Key::UseCamera => "Usar la cámara",
        Key::TakePhoto => "Hacer la foto",
        Key::CloseCamera => "Cerrar la cámara",
        Key::CameraFailed => "No se pudo iniciar la cámara. Elige un archivo.",
        Key::Blurry => "Esta foto parece borrosa. ¿Quieres repetirla?",
        Key::Processing => "Preparando la foto…",
        Key::PhotoReady => "Foto lista",
        Key::Uploading => "Subiendo… {pct} %",
        Key::Uploaded => "Subida",
        Key::UploadFailed => "La subida ha fallado. Conservamos tu foto.",
        Key::Continue => "Continuar",
        Key::Back => "Atrás",
        Key::Submit => "Enviar",
        Key::Edit => "Editar",
        Key::FixErrors => "Corrige los campos marcados.",
        Key::Sending => "Enviando…",
        Key::NetworkError => "No hemos podido conectar con el servidor. No se ha perdido nada de lo que has escrito.",
        Key::TryAgain => "Reintentar",
        Key::ResultApproved => "Tu identidad ha sido aprobada (approved).",
        Key::ResultRejected => "Tu solicitud ha sido rechazada (rejected).",
        Key::ResultReviewing => {
            "Tu solicitud está en revisión (under review). Puedes cerrar esta página; te avisaremos."
        }
        Key::Checking => "Comprobando el estado…",
        Key::DoesNotExpire => "No caduca",
        Key::NotProvided => "No indicado",
        Key::Attached => "Adjunta",
        Key::Exit => "Salir",
        Key::SessionExpired => "La sesión ha caducado. Vuelve a empezar.",
        Key::ServerError => "Algo ha fallado por nuestra parte. Inténtalo de nuevo.",
        Key::PreviewOf => "Vista previa: {name}",
        Key::UploadOf => "Subida de {name}",
    }
}

fn ar(k: Key) -> &'static str {
    match k {
        Key::Title => "تحقّق من هويتك",
        Key::StepPersonal => "البيانات الشخصية",
        Key::StepDocument => "وثيقة الهوية",
        Key::StepAddress => "العنوان",
        Key::StepPhotos => "الصور",
        Key::StepReview => "المراجعة",
        Key::StepResult => "النتيجة",
        Key::StepOf => "الخطوة {n} من {total}",
        Key::Steps => "التقدّم",
        Key::FirstName => "الاسم الأول",
        Key::LastName => "اسم العائلة",
        Key::Email => "البريد الإلكتروني",
        Key::DateOfBirth => "تاريخ الميلاد",
        Key::DateHint => "الصيغة: YYYY-MM-DD، مثل 1990-04-01",
        Key::Gender => "الجنس",
        Key::Male => "ذكر",
        Key::Female => "أنثى",
        Key::Nationality => "الجنسية",
        Key::Choose => "اختر…",
        Key::DocumentType => "نوع الوثيقة",
        Key::IdCard => "بطاقة الهوية الوطنية",
        Key::Passport => "جواز السفر",
        Key::ResidencePermit => "تصريح الإقامة",
        Key::DriversLicence => "رخصة القيادة",
        Key::DocumentNumber => "رقم الوثيقة",
        Key::ExpiryDate => "تاريخ الانتهاء",
        Key::NoExpiry => "هذه الوثيقة لا تنتهي صلاحيتها",
        Key::Country => "البلد",
        Key::State => "الولاية",
        Key::StateOther => "الولاية / المقاطعة / المنطقة",
        Key::City => "المدينة",
        Key::Street => "عنوان الشارع",
        Key::Zip => "الرمز البريدي",
        Key::Ssn => "رقم الضمان الاجتماعي",
        Key::SsnHint => "9 أرقام، مثل 123-45-6789",
        Key::FrontOfId => "الوجه الأمامي للهوية",
        Key::BackOfId => "الوجه الخلفي للهوية",
        Key::Face => "صورة لوجهك",
        Key::Optional => "(اختياري)",
        Key::UseCamera => "استخدام الكاميرا",
        Key::TakePhoto => "التقاط الصورة",
        Key::CloseCamera => "إغلاق الكاميرا",
        Key::CameraFailed => "تعذّر تشغيل الكاميرا. اختر ملفًا بدلًا من ذلك.",
        Key::Blurry => "تبدو هذه الصورة غير واضحة — هل تريد إعادة التقاطها؟",
        Key::Processing => "جارٍ تجهيز الصورة…",
        Key::PhotoReady => "الصورة جاهزة",
        Key::Uploading => "جارٍ الرفع… {pct}٪",
        Key::Uploaded => "تم الرفع",
        Key::UploadFailed => "فشل الرفع. صورتك محفوظة.",
        Key::Continue => "متابعة",
        Key::Back => "رجوع",
        Key::Submit => "إرسال",
        Key::Edit => "تعديل",
        Key::FixErrors => "يُرجى تصحيح الحقول المميزة.",
        Key::Sending => "جارٍ الإرسال…",
        Key::NetworkError => "تعذّر الاتصال بالخادم. لم يُفقد شيء مما أدخلته.",
        Key::TryAgain => "إعادة المحاولة",
        Key::ResultApproved => "تمت الموافقة على هويتك (approved).",
        Key::ResultRejected => "تم رفض طلبك (rejected).",
        Key::ResultReviewing => "طلبك قيد المراجعة (under review). يمكنك إغلاق هذه الصفحة وسنُعلمك.",
        Key::Checking => "جارٍ التحقق من الحالة…",
        Key::DoesNotExpire => "لا تنتهي صلاحيتها",
        Key::NotProvided => "غير مُدخل",
        Key::Attached => "مرفقة",
        Key::Exit => "خروج",
        Key::SessionExpired => "انتهت صلاحية الجلسة. يُرجى البدء من جديد.",
        Key::ServerError => "حدث خطأ من جهتنا. يُرجى المحاولة مرة أخرى.",
        Key::PreviewOf => "معاينة: {name}",
        Key::UploadOf => "رفع {name}",
    }
}

fn error_en(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Required => "This field is required.",
        ErrorCode::TooLong => "Use at most {max} characters.",
        ErrorCode::InvalidCharacters => "This contains characters that are not allowed.",
        ErrorCode::MustContainLetter => "Include at least one letter.",
        ErrorCode::InvalidEmail => "Enter an email address like name@example.com.",
        ErrorCode::InvalidDate => "Enter a real date as YYYY-MM-DD.",
        ErrorCode::DateInFuture => "The date of birth cannot be in the future.",
        ErrorCode::TooYoung => "You must be at least {min_age} years old.",
        ErrorCode::TooOld => "Enter a date of birth within the last {max_age} years.",
        ErrorCode::Expired => "This document has expired.",
        ErrorCode::DateTooFar => "Enter a date no later than 2099-01-01.",
        ErrorCode::InvalidChoice => "Choose one of the options.",
        ErrorCode::UnknownCountry => "Choose a country from the list.",
        ErrorCode::UnknownState => "Choose a state from the list.",
        ErrorCode::InvalidZip => "Enter a valid ZIP / postal code.",
        ErrorCode::InvalidSsn => "Enter 9 digits, like 123-45-6789.",
        ErrorCode::SsnInvalidArea => {
            "This is not a valid Social Security Number: the first three digits are never issued."
        }
        ErrorCode::SsnInvalidGroup => "This is not a valid Social Security Number: the middle two digits cannot be 00.",
        ErrorCode::SsnInvalidSerial => {
            "This is not a valid Social Security Number: the last four digits cannot be 0000."
        }
        ErrorCode::NotApplicable => "Leave this empty for an address outside the US.",
        ErrorCode::UnsupportedFileType => "This file type is not supported. Choose a JPEG or PNG image.",
        ErrorCode::FileTooLarge => "The file is larger than {max_mb} MB. Choose a smaller photo.",
        ErrorCode::UnreadableImage => "This image cannot be read. Choose a JPEG or PNG image.",
        ErrorCode::ImageTooSmall => "The image is too small: its short side must be at least {min_edge} pixels.",
        ErrorCode::ImageTooLarge => "The image has more than {max_megapixels} megapixels.",
        ErrorCode::ImageTooDark => "This photo is too dark to read. Take it again in more light.",
        ErrorCode::ImageTooBlurry => "This photo is too blurry to read. Hold still and take it again.",
        ErrorCode::AlreadyUsed => "This is already used by another application.",
        ErrorCode::RejectedByProvider => "The verification provider did not accept this value.",
    }
}

fn error_zh(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Required => "此项为必填项。",
        ErrorCode::TooLong => "最多 {max} 个字符。",
        ErrorCode::InvalidCharacters => "包含不允许的字符。",
        ErrorCode::MustContainLetter => "请至少包含一个字母或汉字。",
        ErrorCode::InvalidEmail => "请输入有效的邮箱地址，例如 name@example.com。",
        ErrorCode::InvalidDate => "请按 YYYY-MM-DD 输入真实日期。",
        ErrorCode::DateInFuture => "出生日期不能晚于今天。",
        ErrorCode::TooYoung => "您必须年满 {min_age} 周岁。",
        ErrorCode::TooOld => "出生日期不能早于 {max_age} 年前。",
        ErrorCode::Expired => "此证件已过期。",
        ErrorCode::DateTooFar => "日期不能晚于 2099-01-01。",
        ErrorCode::InvalidChoice => "请选择一个选项。",
        ErrorCode::UnknownCountry => "请从列表中选择国家/地区。",
        ErrorCode::UnknownState => "请从列表中选择州。",
        ErrorCode::InvalidZip => "请输入有效的邮政编码。",
        ErrorCode::InvalidSsn => "请输入 9 位数字，例如 123-45-6789。",
        ErrorCode::SsnInvalidArea => "社会安全号码无效：前三位从未签发。",
        ErrorCode::SsnInvalidGroup => "社会安全号码无效：中间两位不能是 00。",
        ErrorCode::SsnInvalidSerial => "社会安全号码无效：最后四位不能是 0000。",
        ErrorCode::NotApplicable => "美国以外的地址请留空此项。",
        ErrorCode::UnsupportedFileType => "不支持此文件类型，请选择 JPEG 或 PNG 图片。",
        ErrorCode::FileTooLarge => "文件超过 {max_mb} MB，请选择更小的照片。",
        ErrorCode::UnreadableImage => "无法读取此图片，请选择 JPEG 或 PNG 图片。",
        ErrorCode::ImageTooSmall => "图片太小：短边至少需要 {min_edge} 像素。",
        ErrorCode::ImageTooLarge => "图片超过 {max_megapixels} 百万像素。",
        ErrorCode::ImageTooDark => "照片太暗，无法辨认。请在更明亮的地方重拍。",
        ErrorCode::ImageTooBlurry => "照片太模糊，无法辨认。请保持稳定后重拍。",
        ErrorCode::AlreadyUsed => "此信息已被其他申请使用。",
        ErrorCode::RejectedByProvider => "验证服务商不接受此值。",
    }
}

fn error_es(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Required => "Este campo es obligatorio.",
        ErrorCode::TooLong => "Usa como máximo {max} caracteres.",
        ErrorCode::InvalidCharacters => "Contiene caracteres no permitidos.",
        ErrorCode::MustContainLetter => "Incluye al menos una letra.",
        ErrorCode::InvalidEmail => "Escribe un correo como nombre@ejemplo.com.",
        ErrorCode::InvalidDate => "Escribe una fecha real como AAAA-MM-DD.",
        ErrorCode::DateInFuture => "La fecha de nacimiento no puede ser futura.",
        ErrorCode::TooYoung => "Debes tener al menos {min_age} años.",
        ErrorCode::TooOld => "Escribe una fecha de nacimiento de los últimos {max_age} años.",
        ErrorCode::Expired => "Este documento está caducado.",
        ErrorCode::DateTooFar => "Escribe una fecha no posterior al 2099-01-01.",
        ErrorCode::InvalidChoice => "Elige una de las opciones.",
        ErrorCode::UnknownCountry => "Elige un país de la lista.",
        ErrorCode::UnknownState => "Elige un estado de la lista.",
        ErrorCode::InvalidZip => "Escribe un código postal válido.",
        ErrorCode::InvalidSsn => "Escribe 9 dígitos, como 123-45-6789.",
        ErrorCode::SsnInvalidArea => "No es un SSN válido: los tres primeros dígitos nunca se asignan.",
        ErrorCode::SsnInvalidGroup => "No es un SSN válido: los dos dígitos centrales no pueden ser 00.",
        ErrorCode::SsnInvalidSerial => "No es un SSN válido: los cuatro últimos dígitos no pueden ser 0000.",
        ErrorCode::NotApplicable => "Déjalo vacío si la dirección no está en EE. UU.",
        ErrorCode::UnsupportedFileType => "Este tipo de archivo no es compatible. Elige una imagen JPEG o PNG.",
        ErrorCode::FileTooLarge => "El archivo ocupa más de {max_mb} MB. Elige una foto más pequeña.",
        ErrorCode::UnreadableImage => "No se puede leer esta imagen. Elige una imagen JPEG o PNG.",
        ErrorCode::ImageTooSmall => {
            "La imagen es demasiado pequeña: su lado corto debe tener al menos {min_edge} píxeles."
        }
        ErrorCode::ImageTooLarge => "La imagen tiene más de {max_megapixels} megapíxeles.",
        ErrorCode::ImageTooDark => "La foto está demasiado oscura para leerse. Hazla de nuevo con más luz.",
        ErrorCode::ImageTooBlurry => "La foto está demasiado borrosa para leerse. No te muevas y hazla de nuevo.",
        ErrorCode::AlreadyUsed => "Ya lo usa otra solicitud.",
        ErrorCode::RejectedByProvider => "El proveedor de verificación no ha aceptado este valor.",
    }
}

fn error_ar(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Required => "هذا الحقل مطلوب.",
        ErrorCode::TooLong => "استخدم {max} حرفًا على الأكثر.",
        ErrorCode::InvalidCharacters => "يحتوي على أحرف غير مسموح بها.",
        ErrorCode::MustContainLetter => "أدخل حرفًا واحدًا على الأقل.",
        ErrorCode::InvalidEmail => "أدخل بريدًا إلكترونيًا مثل name@example.com.",
        ErrorCode::InvalidDate => "أدخل تاريخًا صحيحًا بالصيغة YYYY-MM-DD.",
        ErrorCode::DateInFuture => "لا يمكن أن يكون تاريخ الميلاد في المستقبل.",
        ErrorCode::TooYoung => "يجب ألا يقل عمرك عن {min_age} عامًا.",
        ErrorCode::TooOld => "أدخل تاريخ ميلاد خلال آخر {max_age} عامًا.",
        ErrorCode::Expired => "انتهت صلاحية هذه الوثيقة.",
        ErrorCode::DateTooFar => "أدخل تاريخًا لا يتجاوز 2099-01-01.",
        ErrorCode::InvalidChoice => "اختر أحد الخيارات.",
        ErrorCode::UnknownCountry => "اختر بلدًا من القائمة.",
        ErrorCode::UnknownState => "اختر ولاية من القائمة.",
        ErrorCode::InvalidZip => "أدخل رمزًا بريديًا صحيحًا.",
        ErrorCode::InvalidSsn => "أدخل 9 أرقام، مثل 123-45-6789.",
        ErrorCode::SsnInvalidArea => "رقم ضمان اجتماعي غير صالح: الأرقام الثلاثة الأولى لا تُصدر أبدًا.",
        ErrorCode::SsnInvalidGroup => "رقم ضمان اجتماعي غير صالح: لا يمكن أن يكون الرقمان الأوسطان 00.",
        ErrorCode::SsnInvalidSerial => "رقم ضمان اجتماعي غير صالح: لا يمكن أن تكون الأرقام الأربعة الأخيرة 0000.",
        ErrorCode::NotApplicable => "اترك هذا الحقل فارغًا للعناوين خارج الولايات المتحدة.",
        ErrorCode::UnsupportedFileType => "نوع الملف غير مدعوم. اختر صورة JPEG أو PNG.",
        ErrorCode::FileTooLarge => "حجم الملف أكبر من {max_mb} ميغابايت. اختر صورة أصغر.",
        ErrorCode::UnreadableImage => "تتعذّر قراءة هذه الصورة. اختر صورة JPEG أو PNG.",
        ErrorCode::ImageTooSmall => "الصورة صغيرة جدًا: يجب ألا يقل ضلعها القصير عن {min_edge} بكسل.",
        ErrorCode::ImageTooLarge => "تتجاوز الصورة {max_megapixels} ميغابكسل.",
        ErrorCode::ImageTooDark => "الصورة مظلمة جدًا ولا يمكن قراءتها. التقطها مرة أخرى في إضاءة أفضل.",
        ErrorCode::ImageTooBlurry => "الصورة ضبابية جدًا ولا يمكن قراءتها. ثبّت الجهاز والتقطها مرة أخرى.",
        ErrorCode::AlreadyUsed => "هذه القيمة مستخدمة في طلب آخر.",
        ErrorCode::RejectedByProvider => "لم يقبل مزوّد التحقق هذه القيمة.",
    }
}

/// The texts of one widget instance: a locale plus the host's overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct I18n {
    pub locale: Locale,
    overrides: Vec<(String, String)>,
}

impl I18n {
    pub fn new(locale: Locale, overrides: Vec<(String, String)>) -> Self {
        Self { locale, overrides }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.overrides.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    pub fn t(&self, k: Key) -> String {
        if let Some(s) = self.lookup(k.name()) {
            return s;
        }
        match self.locale {
            Locale::En => en(k),
            Locale::Zh => zh(k),
            Locale::Es => es(k),
            Locale::Ar => ar(k),
        }
        .to_owned()
    }

    /// A text with `{name}` placeholders filled.
    pub fn fill(&self, k: Key, args: &[(&str, &str)]) -> String {
        args.iter().fold(self.t(k), |s, (name, value)| s.replace(&format!("{{{name}}}"), value))
    }

    /// The message for a rule violation, with its parameters filled in. Never echoes input.
    pub fn error(&self, v: &Violation) -> String {
        let key = format!("error_{}", v.code.as_str());
        if let Some(s) = self.lookup(&key) {
            return s;
        }
        let template = match self.locale {
            Locale::En => error_en(v.code),
            Locale::Zh => error_zh(v.code),
            Locale::Es => error_es(v.code),
            Locale::Ar => error_ar(v.code),
        };
        v.params
            .iter()
            .fold(template.to_owned(), |s, (name, value)| s.replace(&format!("{{{name}}}"), &value.to_string()))
    }
}
