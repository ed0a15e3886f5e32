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
cat-case-type = Decided
cat-case-type-immediate = on the spot, when the materials are complete and the conditions met
cat-case-type-promised = within the promised working days
cat-kind-application-form = application form
cat-kind-certificate = certificate or licence
cat-kind-proof = proof
cat-kind-other = other material
cat-originals = { $count ->
    [one] one original
   *[other] { $count } originals
}
cat-copies = { $count ->
    [one] one copy
   *[other] { $count } copies
}
cat-condition = only { $condition }
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

# Catalogue management.
cat-status = Status
cat-status-draft = Draft
cat-status-in-review = In review
cat-status-published = Published
cat-status-retired = Retired
cat-manage-title = Catalogue management
cat-manage-find = Implementation code
cat-manage-find-hint = Enter an item's implementation code to open its history.
cat-manage-open = Open
cat-manage-pending = Versions waiting
cat-manage-none-pending = No version is waiting.
cat-version = Version
cat-author = Author
cat-reviewer = Reviewer
cat-not-a-number = “{ $value }” is not a whole number.
cat-not-an-amount = “{ $value }” is not an amount (for example 12.50).
cat-manage-item = Manage: { $name }
cat-manage-see-guide = See the guide
cat-history = History
cat-manage-new-draft = New draft version
cat-manage-draft-hint = Starts from the newest version; materials change through an import file. Save, send for review, and another official publishes it.
cat-manage-save-draft = Save draft
cat-manage-retire = Withdraw this item
cat-reason = Reason
cat-reason-missing = Give a reason.
cat-version-of = { $name } · version { $version }
cat-diff = Changes
cat-diff-first = This is the first version.
cat-diff-against = Compared with version { $version }.
cat-diff-none = Nothing changed.
cat-diff-field = Field
cat-diff-before = Before
cat-diff-after = After
cat-manage-submit = Send for review
cat-manage-publish = Approve and publish
cat-manage-send-back = Send back
cat-submitted = Sent for review.
cat-published = Published; it is now the version in force.
cat-sent-back = Sent back to its author.
cat-retired = The item is withdrawn; lists and search no longer show it.
cat-field-code = Implementation code
cat-field-basic_code = Basic code
cat-field-name_zh = Name in Chinese
cat-field-name_bo = Name in Tibetan
cat-field-name_en = Name in English
cat-field-item_type = Item type
cat-field-department = Implementing department
cat-field-level = Level
cat-field-divisions = Divisions
cat-field-legal_basis = Legal basis
cat-field-conditions = Acceptance conditions
cat-field-materials = Materials
cat-field-steps = Process steps (one per line)
cat-field-statutory_days = Statutory time limit (working days)
cat-field-promised_days = Promised time limit (working days)
cat-field-case_type = Case type
cat-field-fee_fen = Fee (fen)
cat-field-fee_yuan = Fee in yuan (empty if free)
cat-field-fee_basis = Fee basis
cat-field-place = Place
cat-field-hours = Hours
cat-field-visits = On-site visits
cat-field-online_depth = Online depth
cat-field-in_centre = Handled in the government service centre
cat-field-window_category = Window category
cat-field-service_object = Service object
cat-field-high_frequency = High-frequency item
cat-field-life_events = Life events
cat-field-themes = Themes
cat-field-consultation = Consultation
cat-field-complaint = Complaints
cat-field-special_procedures = Special procedures

# Import and export.
cat-list-entry = Each entry of a list is one line of text, not blank, without spaces at either end.
cat-import-refused = The import file has { $count } problems; nothing was imported.
cat-import-not-yours = You may not manage items of this division.
cat-import-flag = “{ $value }” should be true or false.
cat-import-source = “{ $value }” is not a material source; use applicant, certificate:TYPE, registry:FIELD or shared:RESOURCE.
cat-import-syntax = The file cannot be read: { $detail }
cat-import-columns = Columns are missing: { $columns }
cat-import-orphan-material = A material row follows its item's row, with the same code.
cat-import-record = The record column is item or material.
cat-import-no-items = A JSON file holds a list named items.
cat-import-missing = This field is missing.
cat-import-code = “{ $value }” is not a valid code ({ $detail }).
cat-import-not-object = Each record is an object.
cat-import-duplicate = This implementation code appears more than once in the file.
cat-import-empty = The file holds no items.
cat-import-title = Import items
cat-export-csv = Export all (CSV)
cat-export-json = Export all (JSON)
cat-import-problems = Problems to correct
cat-import-where = Where
cat-import-line = line { $line }
cat-import-record-n = record { $record }
cat-import-more = { $count } more problems are not listed.
cat-import-file = Import file (CSV or JSON)
cat-import-hint = The format of an export. A file with any problem imports nothing; each changed item becomes a version in review for an approver to publish.
cat-import-submit = Check and import
cat-import-not-utf8 = The file must be UTF-8 text.
cat-import-done = Imported: { $versions } new versions in review, { $unchanged } items unchanged.
# The guide.
cat-apply = How to apply
cat-apply-information = Online there is information only; apply at the window, at the place and hours below.
cat-apply-forms = Download the forms online, fill them in and bring them to the window.
cat-apply-online-application = Apply online with a pre-check; collect the result or show originals at the window.
cat-apply-fully-online = Fully online, with no visit; the result can be delivered by post.
cat-qr-label = QR code: apply for this service on a phone
cat-qr-caption = Scan to apply on your phone
cat-places = handled in { $count } places
# Life-event bundles.
cat-bundles = One event, done once
cat-bundles-intro = One event in life or business often takes several services. Here they are together: see once what to bring and how long it takes, and apply once.
cat-bundle-items = { $count } services
cat-bundle-where = Where are you (division code)
cat-bundle-where-hint = For example Chengguan district, 540102; leave empty for the whole region.
cat-bundle-show = Show
cat-bundle-materials = { $count } in all (each once), { $obtainable } of them need not be brought
cat-bundle-not-here = not implemented here yet
cat-bundle-not-found = There is no such event.
cat-bundle-code = A code is 2 to 40 lower-case letters, digits or hyphens.
cat-bundle-too-few = A bundle holds at least two items.
cat-bundle-repeated = An item cannot appear twice.
cat-bundle-unknown-item = No published item has the basic code { $code }.
cat-list-centre = Convenience services: { $centre }
cat-centre-not-found = There is no such centre or station.
cat-certificate-type-unknown = Certificate type { $code } does not exist: its authority has not defined it.
cat-certificate-authority-unknown = The authority defining certificate type { $code } is not a department on the platform.
cat-history-of = { $name } · history
cat-version-n = Version { $version }
cat-stage-empty = A stage needs at least one task.
cat-stage-days = A task needs at least one working day.
cat-stage-kind = Name the department kind of the task (e.g. market-regulation).
cat-stage-role = A task is for approvers or window clerks.
cat-stages-over-promised = The stages together take longer than the promised time limit.
cat-import-stages = “{ $value }” is not a stage: write tasks as kind:days joined by “ + ”, one stage per line.
cat-stats-in-cases = In the cases submitted so far, { $materials } materials were needed: { $certificates } were not brought because an electronic certificate stood in for them, { $registries } because a base registry did.
cat-registry-field-unknown = The registry field { $field } named as a material's source does not exist (for example population.marital_status, natural-resources.parcel).
# Search: how a query was read, and the terms stewards keep.
cat-search-cut = Only the first { $count } characters of the query were searched.
cat-search-pinyin = Read as pinyin: showing results for “{ $query }”.
cat-search-corrected = Did you mean “{ $query }”? Showing results for it.
cat-search-ignored = No service mentions: { $words }
cat-search-only-weak = No service matches every word; these match some of them.
cat-search-also = You may also mean
cat-term-empty = { $line ->
    [0] {""}
   *[other] Line { $line }:{" "}
}The word is empty once punctuation and spaces are taken off.
cat-term-no-meaning = { $line ->
    [0] {""}
   *[other] Line { $line }:{" "}
}A synonym or intent needs at least one meaning, and no meaning may be empty.
cat-term-too-long = { $line ->
    [0] {""}
   *[other] Line { $line }:{" "}
}Too long: a word has at most { $term } characters, a meaning at most { $meaning }, and a word at most { $count } meanings.
cat-term-loop = { $line ->
    [0] {""}
   *[other] Line { $line }:{" "}
}This would lead back to the word itself: { $path }. Change the term that closes the loop instead.
cat-term-stop-meaning = { $line ->
    [0] {""}
   *[other] Line { $line }:{" "}
}A stop word is dropped from queries and has no meanings.
cat-term-everything = { $line ->
    [0] {""}
   *[other] Line { $line }:{" "}
}“{ $meaning }” is in { $percent }% of all services: as a meaning it would match nearly everything.
cat-pin-unknown = No published service has the basic code { $code }.
cat-term-kind = Kind
cat-term-kind-synonym = synonym or abbreviation
cat-term-kind-intent = intent (an action)
cat-term-kind-stop = stop word (dropped)
cat-term-edit = Add or change a term
cat-term-term = Word
cat-term-means = Means
cat-term-means-hint = One meaning a line, in any language. A stop word has none.
cat-term-save = Save the term
cat-terms-title = Search terms
cat-terms-intro = What people type and what the services are called often differ. A synonym adds its meanings to a query word (社保 → 社会保险), an intent turns a request into the actions services name (丢了 → 补领), and a stop word is dropped. A change takes effect at the next search on every server.
cat-terms-export = Export (TSV)
cat-terms-import = Import terms
cat-terms-import-hint = A TSV file with the columns term, kind (synonym, intent or stop) and meanings separated by “|”, as the export writes it. All or nothing: a file with any bad line changes nothing.
cat-terms-find = Find a term
cat-terms-count = { $count ->
    [one] One term.
   *[other] { $count } terms.
}
cat-term-changed = Changed by
cat-term-remove = Remove
cat-terms-history = Latest changes
cat-term-before = Before
cat-term-after = After
cat-term-saved = The term “{ $term }” is saved.
cat-term-removed = The term “{ $term }” is removed.
cat-terms-imported = { $count ->
    [0] The file changes no term.
    [one] One term changed.
   *[other] { $count } terms changed.
}
cat-queries-title = Queries that found nothing
cat-queries-intro = Queries that found nothing, or whose results nobody opened, counted per week and place without who asked. Add a synonym, or say which service a query means.
cat-queries-week = Week
cat-queries-place = Place
cat-queries-none = No query went unanswered.
cat-queries-query = Query, and how it was read
cat-queries-counts = Counts
cat-queries-act = Improve
cat-queries-region = the whole region
cat-queries-count = asked { $searches }, nothing found { $empty }, opened { $opened }
cat-queries-add-synonym = Add a synonym
cat-queries-means-item = Means service (basic code)
cat-queries-pin = Save
cat-pin-saved = “{ $query }” now means the service { $code }.
cat-terms-unreadable = These stored terms do not pass the checks and are skipped by search until saved again: { $terms }
cat-search-place = Services handled in { $place }.
cat-search-wylie = Read as Tibetan in Wylie: showing results for “{ $query }”.
# The catalogue's fixed vocabulary (catalog::vocab): steps, the centre, window categories,
# standard conditions, opening hours.
cat-vocab-apply = Application
cat-vocab-accept = Acceptance
cat-vocab-review = Review
cat-vocab-decide = Decision
cat-vocab-deliver = Delivery
cat-vocab-conclude = Completion
cat-vocab-register-issue = Registration and issue of the certificate
cat-vocab-household-survey = Survey of the household's finances
cat-vocab-verify-confirm = Review and confirmation
cat-vocab-publicize = Public notice
cat-vocab-disburse = Payment
cat-vocab-centre = Government service centre
cat-vocab-condition-lawful = Applicants who meet the conditions set by law
cat-vocab-fee-national = Charged at the rates the state sets
cat-vocab-window-comprehensive = Comprehensive window
cat-vocab-window-social-insurance = Social insurance window
cat-vocab-window-farming = Farming and herding window
cat-vocab-window-public-security = Public security window
cat-vocab-window-social-assistance = Social assistance window
cat-vocab-window-investment = Investment projects window
cat-vocab-window-construction = Construction projects window
cat-vocab-window-health = Health window
cat-vocab-window-medical-insurance = Medical insurance window
cat-vocab-window-real-estate = Real estate registration window
cat-vocab-window-education = Education window
cat-vocab-window-employment = Employment window
cat-vocab-window-marriage = Marriage registration window
cat-vocab-window-transport = Transport window
cat-vocab-if-new-land = if new construction land is needed
cat-vocab-if-disability = if a family member has a disability
cat-vocab-if-marriage-move = if moving because of marriage
cat-vocab-hours-two = Working days { $morning } and { $afternoon }
cat-vocab-hours-one = Working days { $hours }
cat-untranslated = Parts of this guide are not yet translated; they are shown in Chinese, as the department wrote them.

## Translations of the catalogue's free text (issue 20)
cat-article = Article { $number }
cat-tr-title = Tibetan translations
cat-tr-intro = What departments write in their guides themselves (conditions, titles of laws, addresses…) is translated into Tibetan sentence by sentence: a sentence translated once shows on every item that uses it. A translation shows only after another data steward or an approver approves it. These sentences have no approved Tibetan yet, the most viewed guides of the last eight weeks first.
cat-tr-counts = { $count } sentences lack Tibetan; { $waiting } translations wait for review.
cat-tr-reach = used by { $items } items, viewed { $views } times lately
cat-tr-proposed-by = proposed by { $who } at { $at }
cat-tr-note = Note (needed to reject)
cat-tr-approve = Approve
cat-tr-reject = Reject
cat-tr-memory = Alike sentences in the translation memory
cat-tr-text = Tibetan translation
cat-tr-propose = Propose
cat-tr-export = Export approved translations (TSV)
cat-tr-import = Propose many translations
cat-tr-import-hint = A TSV file, one “Chinese<Tab>Tibetan” a line, with an optional header zh	bo. Imported only if every line checks; each still needs review.
cat-tr-proposed = The translation is proposed; someone else reviews it.
cat-tr-same = The same translation is already proposed or approved.
cat-tr-approved = The Tibetan of “{ $source }” is approved and now shows.
cat-tr-rejected = The Tibetan of “{ $source }” is rejected.
cat-tr-imported = { $count } translations proposed for review.
cat-tr-empty = Line { $line }: the translation is empty.
cat-tr-no-source = Line { $line }: the Chinese sentence is missing.
cat-tr-too-long = Line { $line }: the text is longer than { $count } characters.
cat-tr-chinese = Line { $line }: the translation holds Chinese characters. A Tibetan translation may not mix in Chinese (the Chinese title of a law is kept beside its gloss by itself).
cat-tr-not-tibetan = Line { $line }: the translation has no Tibetan in it.
cat-tr-malformed = Line { $line }: “{ $syllable }” is not a well-formed Tibetan syllable.
cat-tr-line = Line { $line }: expected “Chinese<Tab>Tibetan”.
cat-tr-reason = Say why the translation is rejected.
cat-tr-not-proposed = This translation has already been reviewed.
cat-tr-use-name = name
cat-tr-use-material = material
cat-tr-use-condition = condition
cat-tr-use-step = step
cat-tr-use-legal-title = title of a law
cat-tr-use-place = place
cat-tr-use-window = window
cat-tr-use-fee-basis = basis of the fee
cat-sort = Order
cat-sort-relevance = Best match first
cat-sort-name = By name
cat-search-phonetic = Read as Tibetan spelled as it sounds: showing results for “{ $query }”.
cat-tibetan-name-invalid = The Tibetan name “{ $name }” is not good Tibetan{ $why ->
    [syllable] : the syllable “{ $syllable }” is not well formed
   *[script] {" "}(no Chinese in it, and some Tibetan)
}.
cat-book-visit = Book a visit to the hall
