person-id-empty = Please enter the resident identity number.
person-id-legacy15 = This is an old 15-digit identity number; please use the 18-digit number.
person-id-length = A resident identity number has 18 characters; you entered { $len }.
person-id-character = Character { $position } of the identity number must be a digit, not “{ $found }”.
person-id-check-character = The 18th character of the identity number must be a digit or X, not “{ $found }”.
person-id-division = The division code { $code } in the first 6 digits does not exist.
person-id-birth-date = The birth date { $date } in digits 7–14 is not a real date.
person-id-birth-future = The birth date { $date } in the identity number is after today.
person-id-birth-early = The birth date { $date } in the identity number is before 1890.
person-id-check = The check character should be { $expected } but is { $found }: please look for a typing mistake.
credit-code-empty = Please enter the unified social credit code.
credit-code-length = A unified social credit code has 18 characters; you entered { $len }.
credit-code-symbol = Character { $position } (“{ $found }”) is not allowed in a credit code (I, O, Z, S and V are never used).
credit-code-division = Characters 3–8 of the credit code must be a division code of digits.
credit-code-org-check = The organization code inside the credit code should end in { $expected } but ends in { $found }.
credit-code-check = The check character should be { $expected } but is { $found }: please look for a typing mistake.
division-code-length = A division code has 6 or 12 digits; you entered { $len }.
division-code-digits = A division code has only digits.
division-code-orphan = A township or village code must lie under a county-level code.
calendar-incomplete = The holiday data for { $year } in { $division } is not complete yet{ $note ->
    [none] .
   *[other] : { $note }.
} This date is reckoned from what is loaded and may change.
calendar-provisional = The State Council has not yet announced the holiday arrangement for { $year }. This date is provisional, reckoned on the statutory holidays the law fixes; once the arrangement is loaded it may move later, never earlier.
calendar-provisional-tag = provisional
calendar-year-missing = No holiday arrangements are loaded for { $year }, so working days cannot be counted. An administrator must load that year's calendar first.
calendar-too-long = The span of dates is too long to count working days.
file-error = File { $file }, line { $line }, field “{ $field }”: { $problem }
certid-shape = This is not an e-certificate identifier: it starts 1.2.156.3005.2 and has five parts after it.
certid-type = The certificate type code must be a credit code followed by three digits.
certid-issuer = The issuer code must be a valid unified social credit code.
certid-serial = The serial number must be eleven digits.
certid-version = The version must be three digits, from 001.
certid-check = The check character does not match: the identifier was mistyped or altered.
