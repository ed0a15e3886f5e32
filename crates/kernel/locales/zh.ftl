person-id-empty = 请填写公民身份号码。
person-id-legacy15 = 这是旧式15位身份号码，请使用18位公民身份号码。
person-id-length = 公民身份号码应为18位，您填写了{ $len }位。
person-id-character = 身份号码第{ $position }位应为数字，而不是“{ $found }”。
person-id-check-character = 身份号码第18位应为数字或X，而不是“{ $found }”。
person-id-division = 身份号码前6位的行政区划代码{ $code }不存在。
person-id-birth-date = 身份号码第7至14位的出生日期{ $date }不是有效日期。
person-id-birth-future = 身份号码中的出生日期{ $date }晚于今天。
person-id-birth-early = 身份号码中的出生日期{ $date }早于1890年。
person-id-check = 身份号码校验位应为{ $expected }，实际为{ $found }，请核对是否输错。
credit-code-empty = 请填写统一社会信用代码。
credit-code-length = 统一社会信用代码应为18位，您填写了{ $len }位。
credit-code-symbol = 统一社会信用代码第{ $position }位“{ $found }”不是有效字符（不使用I、O、Z、S、V）。
credit-code-division = 统一社会信用代码第3至8位应为行政区划代码（数字）。
credit-code-org-check = 统一社会信用代码中的组织机构代码校验位应为{ $expected }，实际为{ $found }。
credit-code-check = 统一社会信用代码校验位应为{ $expected }，实际为{ $found }，请核对是否输错。
division-code-length = 行政区划代码应为6位或12位数字，您填写了{ $len }位。
division-code-digits = 行政区划代码只能包含数字。
division-code-orphan = 乡镇、村级代码必须位于某个县级代码之下。
calendar-incomplete = { $year }年{ $division }的节假日数据尚不完整{ $note ->
    [none] 。
   *[other] ：{ $note }。
}按已载入的数据计算，结果仅供参考。
calendar-provisional = 国务院尚未公布{ $year }年的节假日安排，此日期按《全国年节及纪念日放假办法》规定的法定节假日暂定，安排公布后可能推后，不会提前。
calendar-provisional-tag = 暂定
calendar-year-missing = 尚未载入{ $year }年的节假日安排，无法计算工作日。请管理员先载入该年度日历。
calendar-too-long = 日期跨度过长，无法计算工作日。
file-error = 文件{ $file }第{ $line }行，字段“{ $field }”：{ $problem }
certid-shape = 这不是电子证照标识：标识以 1.2.156.3005.2 开头，其后有五段。
certid-type = 证照类型代码应为统一社会信用代码加三位数字。
certid-issuer = 发证机构代码应为有效的统一社会信用代码。
certid-serial = 顺序号应为十一位数字。
certid-version = 版本号应为三位数字，从 001 起。
certid-check = 校验位不符：标识输入有误或已被篡改。
