# The catalogue of service items.
cat-items-title = Government services
cat-search-label = What do you need to do?
cat-search-hint = For example: business licence, marriage, subsistence allowance — in Chinese, Tibetan or English.
cat-search = Search
cat-any = Any
cat-object = For
cat-object-person = Individuals
cat-object-entity = Enterprises and organisations
cat-object-both = Individuals and organisations
cat-level = Level
cat-one-trip = At most one trip
cat-found = { $count ->
    [one] One service found.
   *[other] { $count } services found.
}
cat-visits = { $count ->
    [0] no visit needed
    [one] one visit
   *[other] { $count } visits
}
cat-days = { $count ->
    [one] one working day
   *[other] { $count } working days
}
cat-depth = Online
cat-depth-information = information only
cat-depth-forms = forms to download
cat-depth-online-application = apply online
cat-depth-fully-online = fully online
cat-code = Implementation code
cat-type = Type
cat-type-licensing = Administrative licence
cat-type-penalty = Administrative penalty
cat-type-coercion = Administrative coercion
cat-type-levy = Administrative levy
cat-type-benefit = Administrative benefit
cat-type-inspection = Administrative inspection
cat-type-confirmation = Administrative confirmation
cat-type-reward = Administrative reward
cat-type-ruling = Administrative ruling
cat-type-other-power = Other administrative power
cat-type-public-service = Public service
cat-department = Handled by
cat-time = Time limit
cat-time-limits = { $promised } working days (by law: { $statutory })
cat-visits-label = Visits
cat-fee-label = Fee
cat-free = Free
cat-fee = ¥{ $yuan }
cat-place = Where and when
cat-materials = What to bring
cat-condition = only if { $condition }
cat-no-need = No need to bring
cat-source-certificate = the platform reads your electronic certificate
cat-source-registry = the platform reads the government's records
cat-source-shared = the platform obtains it from the department that holds it
cat-conditions = Who can apply
cat-steps = How it goes
cat-basis = Legal basis
cat-consult = Questions:
cat-complain = Complaints:
cat-not-found = There is no such service in the catalogue.
cat-bad-param = The value { $value } is not valid for { $name }.
cat-invalid = The service item has problems; each is named by its field.
cat-basic-length = A basic code has 12 characters, not { $length }.
cat-code-chars = A code has only digits and capital letters.
cat-impl-length = An implementation code has 31 to 36 characters, not { $length }.
cat-impl-credit-code = An implementation code starts with the implementing body's unified social credit code, and this one does not check.
cat-impl-basic-mismatch = The implementation code does not contain the item's basic code after the credit code.
cat-impl-body-mismatch = The implementation code names another body than the implementing department's credit code.
cat-name-missing = Give the name in Chinese.
cat-days-impossible = More than 250 working days is not a time limit.
cat-promised-over-statutory = The promised time limit cannot be longer than the statutory one.
cat-immediate-days = An item decided on the spot cannot promise more than one working day.
cat-fee-negative = A fee cannot be negative.
cat-visits-impossible = More than 9 visits is not possible.
cat-online-visits = A fully online item needs no visit.
cat-divisions-missing = Say in which divisions the item is implemented.
cat-divisions-outside = The item can only be implemented within the department's own division.
cat-division-unknown = There is no division { $code }.
cat-department-unknown = There is no department { $code }.
cat-steps-missing = Give the process steps.
cat-window-missing = Say at which window category the centre handles it.
cat-condition-empty = A conditional material needs its condition.
cat-certificate-type = A certificate type code is the defining authority's credit code and 3 digits.
cat-publish-unreviewed = Only a version in review can be published.
cat-review-not-draft = Only a draft can be sent for review.
cat-own-review = The author of a version cannot review it; another approver must.
cat-lists = Lists
cat-list-power = Power and responsibility list
cat-list-public-service = Public service list
cat-list-one-trip = "At most one trip" list
cat-list-on-site = Items handled in the service centre
cat-list-csv = Download as CSV
cat-stats-title = Catalogue statistics
cat-stats-by = Grouped by
cat-stats-by-department = Department
cat-stats-by-level = Level
cat-stats-by-division = Division
cat-stats-items = Items
cat-stats-online = Online
cat-stats-fully-online = Fully online
cat-stats-in-centre = In the centre
cat-stats-materials = Materials per item
cat-stats-obtainable = Materials not to bring
