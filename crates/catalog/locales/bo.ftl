# གཞུང་དོན་ཞབས་ཞུའི་དཀར་ཆག Tibetan text awaits review by a Tibetan-literate steward.
cat-items-title = གཞུང་དོན་ཞབས་ཞུ།
cat-search-label = ཁྱེད་ཀྱིས་ཅི་ཞིག་སྒྲུབ་དགོས།
cat-search-hint = དཔེར་ན། ཚོང་ལས་ལག་ཁྱེར། གཉེན་སྒྲིག འཚོ་བའི་འགན་ལེན་དམའ་ཤོས། བོད་ཡིག་དང་རྒྱ་ཡིག་དབྱིན་ཡིག་གང་རུང་ཆོག
cat-search = འཚོལ་བ།
cat-any = གང་རུང་།
cat-object = ཞབས་ཞུའི་ཡུལ།
cat-object-person = སྒེར་མི།
cat-object-entity = ཁེ་ལས་དང་ལས་ཁུངས།
cat-object-both = སྒེར་མི་དང་ལས་ཁུངས།
cat-level = རིམ་པ།
cat-one-trip = ཉུང་མཐར་ཐེངས་གཅིག
cat-found = ཞབས་ཞུ་ { $count } རྙེད།
cat-visits = { $count ->
    [0] ས་ཐོག་ཏུ་འགྲོ་མི་དགོས།
   *[other] ཐེངས་ { $count }
}
cat-days = ལས་ཉིན་ { $count }
cat-depth = དྲ་ཐོག
cat-depth-information = ཆ་འཕྲིན་ཁོ་ན།
cat-depth-forms = རེའུ་མིག་ཕབ་ལེན།
cat-depth-online-application = དྲ་ཐོག་ཞུ་གཏུག
cat-depth-fully-online = དྲ་ཐོག་ཆ་ཚང་སྒྲུབ།
cat-code = ལག་བསྟར་ཨང་རྟགས།
cat-type = རིགས།
cat-type-licensing = འཛིན་སྐྱོང་ཆོག་མཆན།
cat-type-penalty = འཛིན་སྐྱོང་ཉེས་ཆད།
cat-type-coercion = འཛིན་སྐྱོང་བཙན་ཤེད།
cat-type-levy = འཛིན་སྐྱོང་བསྡུ་ལེན།
cat-type-benefit = འཛིན་སྐྱོང་སྤྲོད་གཏོང་།
cat-type-inspection = འཛིན་སྐྱོང་ཞིབ་བཤེར།
cat-type-confirmation = འཛིན་སྐྱོང་གཏན་འཁེལ།
cat-type-reward = འཛིན་སྐྱོང་བྱ་དགའ།
cat-type-ruling = འཛིན་སྐྱོང་ཐག་གཅོད།
cat-type-other-power = འཛིན་སྐྱོང་དབང་ཆ་གཞན།
cat-type-public-service = སྤྱི་པའི་ཞབས་ཞུ།
cat-department = ལག་བསྟར་ལས་ཁུངས།
cat-time = དུས་ཚད།
cat-time-limits = ལས་ཉིན་ { $promised } (ཁྲིམས་ལྟར་ { $statutory })
cat-visits-label = ས་ཐོག་ཏུ་འགྲོ་ཐེངས།
cat-fee-label = གླ་ཆ།
cat-free = རིན་མེད།
cat-fee = ￥{ $yuan }
cat-place = ས་གནས་དང་དུས་ཚོད།
cat-materials = ཞུ་ཡིག་གི་ཡིག་ཆ།
cat-condition = { $condition } ཁོ་ན།
cat-no-need = འཁྱེར་མི་དགོས།
cat-source-certificate = སྟེགས་བུས་ཁྱེད་ཀྱི་གློག་རྡུལ་ལག་ཁྱེར་ཀློག
cat-source-registry = སྟེགས་བུས་གཞུང་གི་ཡིག་ཚགས་ཀློག
cat-source-shared = སྟེགས་བུས་ལས་ཁུངས་ནས་མཉམ་སྤྱོད་ཀྱིས་ལེན།
cat-conditions = ཞུ་ཆོག་པའི་ཆ་རྐྱེན།
cat-steps = བྱ་རིམ།
cat-basis = ཁྲིམས་ཀྱི་གཞི་རྩ།
cat-consult = འདྲི་རྩད།
cat-complain = ཞུ་གཏུག
cat-not-found = དཀར་ཆག་ནང་ཞབས་ཞུ་འདི་མི་འདུག
cat-bad-param = { $name } ཡི་གྲངས་ཐང་ { $value } ནུས་མེད།
cat-invalid = ཞབས་ཞུའི་རྣམ་གྲངས་ལ་ནོར་འཁྲུལ་ཡོད།
cat-basic-length = གཞི་རྩའི་ཨང་རྟགས་ཡིག་འབྲུ་ 12 ཡིན་དགོས། { $length } མིན།
cat-code-chars = ཨང་རྟགས་ནང་ཨང་ཀི་དང་དབྱིན་ཡིག་ཆེན་པོ་ཁོ་ན་ཆོག
cat-impl-length = ལག་བསྟར་ཨང་རྟགས་ཡིག་འབྲུ་ 31 ནས་ 36 བར་ཡིན་དགོས། { $length } མིན།
cat-impl-credit-code = ལག་བསྟར་ཨང་རྟགས་ཀྱི་འགོའི་སྤྱི་ཚོགས་ཡིད་རྟོན་ཨང་རྟགས་ཞིབ་བཤེར་མ་ཐུབ།
cat-impl-basic-mismatch = ལག་བསྟར་ཨང་རྟགས་ནང་གཞི་རྩའི་ཨང་རྟགས་མི་འདུག
cat-impl-body-mismatch = ལག་བསྟར་ཨང་རྟགས་དང་ལས་ཁུངས་མི་མཐུན།
cat-name-missing = རྒྱ་ཡིག་མིང་འབྲི་རོགས།
cat-days-impossible = ལས་ཉིན་ 250 ལས་བརྒལ་ན་དུས་ཚད་མིན།
cat-promised-over-statutory = ཁས་ལེན་དུས་ཚད་ཁྲིམས་ལྟར་གྱི་དུས་ཚད་ལས་རིང་མི་ཆོག
cat-immediate-days = འཕྲལ་སྒྲུབ་ཀྱི་དུས་ཚད་ལས་ཉིན་གཅིག་ལས་བརྒལ་མི་ཆོག
cat-fee-negative = གླ་ཆ་ཐ་མག་མི་ཆོག
cat-visits-impossible = ཐེངས་ 9 ལས་བརྒལ་མི་སྲིད།
cat-online-visits = དྲ་ཐོག་ཆ་ཚང་སྒྲུབ་ན་ས་ཐོག་ཏུ་འགྲོ་མི་དགོས།
cat-divisions-missing = ལག་བསྟར་ས་ཁོངས་འབྲི་རོགས།
cat-divisions-outside = ལས་ཁུངས་རང་གི་ས་ཁོངས་ནང་ཁོ་ནར་ལག་བསྟར་ཆོག
cat-division-unknown = ས་ཁོངས་ { $code } མི་འདུག
cat-department-unknown = ལས་ཁུངས་ { $code } མི་འདུག
cat-steps-missing = བྱ་རིམ་འབྲི་རོགས།
cat-window-missing = སྒེའུ་ཁུང་གི་རིགས་འབྲི་རོགས།
cat-condition-empty = ཆ་རྐྱེན་ཅན་གྱི་ཡིག་ཆར་ཆ་རྐྱེན་འབྲི་དགོས།
cat-certificate-type = ལག་ཁྱེར་རིགས་ཀྱི་ཨང་རྟགས་ནི་ཡིད་རྟོན་ཨང་རྟགས་དང་ཨང་ཀི་གསུམ་ཡིན།
cat-publish-unreviewed = ཞིབ་བཤེར་ནང་གི་པར་གཞི་ཁོ་ན་ཁྱབ་བསྒྲགས་ཆོག
cat-review-not-draft = ཟིན་བྲིས་ཁོ་ན་ཞིབ་བཤེར་ལ་སྤྲོད་ཆོག
cat-own-review = རྩོམ་པ་པོས་རང་གི་པར་གཞི་ཞིབ་བཤེར་མི་ཆོག
cat-lists = ཐོ་གཞུང་།
cat-list-power = དབང་ཆ་དང་འགན་འཁྲིའི་ཐོ་གཞུང་།
cat-list-public-service = སྤྱི་པའི་ཞབས་ཞུའི་ཐོ་གཞུང་།
cat-list-one-trip = "ཉུང་མཐར་ཐེངས་གཅིག" ཐོ་གཞུང་།
cat-list-on-site = ཞབས་ཞུ་ལྟེ་གནས་སུ་སྒྲུབ་པའི་ཐོ་གཞུང་།
cat-list-csv = CSV ཕབ་ལེན།
cat-stats-title = དཀར་ཆག་གི་བསྡོམས་རྩིས།
cat-stats-by = ཚོ་སྒྲིག
cat-stats-by-department = ལས་ཁུངས།
cat-stats-by-level = རིམ་པ།
cat-stats-by-division = ས་ཁོངས།
cat-stats-items = རྣམ་གྲངས།
cat-stats-online = དྲ་ཐོག་སྒྲུབ་ཆོག
cat-stats-fully-online = དྲ་ཐོག་ཆ་ཚང་།
cat-stats-in-centre = ལྟེ་གནས་སུ།
cat-stats-materials = ཡིག་ཆའི་ཆ་སྙོམས།
cat-stats-obtainable = འཁྱེར་མི་དགོས་པའི་ཡིག་ཆ།

# Catalogue management.
cat-status = གནས་སྟངས།
cat-status-draft = ཟིན་བྲིས།
cat-status-in-review = ཞིབ་བཤེར་སྒུག་བཞིན་པ།
cat-status-published = ཁྱབ་བསྒྲགས་བྱས་ཟིན།
cat-status-retired = བཀོལ་མཚམས་བཞག་ཟིན།
cat-manage-title = དོན་ཚན་དོ་དམ།
cat-manage-find = ལག་བསྟར་ཨང་རྟགས།
cat-manage-find-hint = དོན་ཚན་གྱི་ལག་བསྟར་ཨང་རྟགས་འཇུག་ནས་པར་གཞིའི་ལོ་རྒྱུས་ཁ་ཕྱེ།
cat-manage-open = ཁ་ཕྱེ།
cat-manage-pending = ལས་སྒྲུབ་སྒུག་བཞིན་པའི་པར་གཞི།
cat-manage-none-pending = ལས་སྒྲུབ་སྒུག་བཞིན་པའི་པར་གཞི་མེད།
cat-version = པར་གཞི།
cat-author = རྩོམ་མཁན།
cat-reviewer = ཞིབ་བཤེར་བ།
cat-not-a-number = “{ $value }” ནི་ཧྲིལ་གྲངས་མིན།
cat-not-an-amount = “{ $value }” ནི་དངུལ་གྲངས་མིན། (དཔེར་ན། 12.50)
cat-manage-item = དོན་ཚན་དོ་དམ། { $name }
cat-manage-see-guide = ལས་དོན་ལམ་སྟོན་ལ་ལྟ།
cat-history = པར་གཞིའི་ལོ་རྒྱུས།
cat-manage-new-draft = པར་གཞི་གསར་པ་བཟོ།
cat-manage-draft-hint = པར་གཞི་གསར་ཤོས་ལ་གཞི་བཅོལ། ཞུ་ཡིག་ཡིག་ཆ་ནང་འདྲེན་ཡིག་ཆས་བཟོ་བཅོས་བྱེད། ཉར་ཚགས་བྱས་རྗེས་ཞིབ་བཤེར་ལ་བསྐུར།
cat-manage-save-draft = ཟིན་བྲིས་ཉར།
cat-manage-retire = དོན་ཚན་འདི་བཀོལ་མཚམས་འཇོག
cat-reason = རྒྱུ་མཚན།
cat-reason-missing = རྒྱུ་མཚན་གསལ་བཤད་གནང་རོགས།
cat-version-of = { $name } · པར་གཞི་ { $version }
cat-diff = སྔོན་གྱི་པར་གཞི་དང་མི་འདྲ་ས།
cat-diff-first = འདི་ནི་པར་གཞི་དང་པོ་ཡིན།
cat-diff-against = པར་གཞི་ { $version } དང་བསྡུར་བ།
cat-diff-none = བཟོ་བཅོས་མེད།
cat-diff-field = ཡིག་ཚན།
cat-diff-before = བཟོ་བཅོས་མ་བྱས་གོང་།
cat-diff-after = བཟོ་བཅོས་བྱས་རྗེས།
cat-manage-submit = ཞིབ་བཤེར་ལ་བསྐུར།
cat-manage-publish = ཆོག་མཆན་སྤྲད་ནས་ཁྱབ་བསྒྲགས།
cat-manage-send-back = བསྐྱར་བཅོས་ལ་ཕྱིར་སློག
cat-submitted = ཞིབ་བཤེར་ལ་བསྐུར་ཟིན།
cat-published = ཁྱབ་བསྒྲགས་བྱས་ཟིན།
cat-sent-back = རྩོམ་མཁན་ལ་ཕྱིར་སློག་བྱས་ཟིན།
cat-retired = དོན་ཚན་བཀོལ་མཚམས་བཞག་ཟིན།
cat-field-code = ལག་བསྟར་ཨང་རྟགས།
cat-field-basic_code = གཞི་རྩའི་ཨང་རྟགས།
cat-field-name_zh = རྒྱ་ཡིག་མིང་།
cat-field-name_bo = བོད་ཡིག་མིང་།
cat-field-name_en = དབྱིན་ཡིག་མིང་།
cat-field-item_type = དོན་ཚན་གྱི་རིགས།
cat-field-department = ལག་བསྟར་བྱེད་མཁན་སྡེ་ཚན།
cat-field-level = རིམ་པ།
cat-field-divisions = ལག་བསྟར་ས་ཁོངས།
cat-field-legal_basis = ཁྲིམས་ཀྱི་གཞི་རྩ།
cat-field-conditions = ལེན་པའི་ཆ་རྐྱེན།
cat-field-materials = ཞུ་ཡིག་ཡིག་ཆ།
cat-field-steps = ལས་སྒོའི་གོ་རིམ།
cat-field-statutory_days = ཁྲིམས་ལྡན་དུས་ཚོད། (ལས་ཉིན།)
cat-field-promised_days = ཁས་ལེན་དུས་ཚོད། (ལས་ཉིན།)
cat-field-case_type = ཡིག་ཆའི་རིགས།
cat-field-fee_fen = རིན་འབབ། (ཧྥུན།)
cat-field-fee_yuan = རིན་འབབ། (སྒོར། རིན་མེད་ན་སྟོང་པ།)
cat-field-fee_basis = རིན་འབབ་ཀྱི་གཞི་རྩ།
cat-field-place = ལས་སྒོའི་ས་གནས།
cat-field-hours = ལས་སྒོའི་དུས་ཚོད།
cat-field-visits = ས་ཐོག་ཏུ་ཡོང་དགོས་པའི་ཐེངས་གྲངས།
cat-field-online_depth = དྲ་ཐོག་ལས་སྒོའི་ཚད།
cat-field-in_centre = གཞུང་ལས་ཞབས་ཞུ་ལྟེ་གནས་སུ་སྒྲུབ།
cat-field-window_category = སྒེའུ་ཁུང་གི་རིགས།
cat-field-service_object = ཞབས་ཞུའི་ཡུལ།
cat-field-high_frequency = རྒྱུན་ལྡན་དོན་ཚན།
cat-field-life_events = མི་ཚེའི་བྱ་བ།
cat-field-themes = བརྗོད་གཞི།
cat-field-consultation = འདྲི་རྩད།
cat-field-complaint = སྐྱོན་བརྗོད།
cat-field-special_procedures = དམིགས་བསལ་གོ་རིམ།

# Import and export.
cat-list-entry = ཐོ་གཞུང་གི་དོན་ཚན་རེ་རེ་ཕྲེང་གཅིག་ཡིན་དགོས།
cat-import-refused = ནང་འདྲེན་ཡིག་ཆར་དཀའ་ངལ་ { $count } ཡོད། ཅི་ཡང་ནང་འདྲེན་མ་བྱས།
cat-import-not-yours = ཁྱེད་ལ་ས་ཁོངས་འདིའི་དོན་ཚན་དོ་དམ་བྱེད་པའི་དབང་ཚད་མེད།
cat-import-flag = “{ $value }” ནི་ true ཡང་ན་ false ཡིན་དགོས།
cat-import-source = “{ $value }” ནི་ཡིག་ཆའི་འབྱུང་ཁུངས་མིན།
cat-import-syntax = ཡིག་ཆ་ཀློག་མི་ཐུབ། { $detail }
cat-import-columns = ཐིག་ཕྲེང་མི་འདུག { $columns }
cat-import-orphan-material = ཡིག་ཆའི་ཕྲེང་ནི་དོན་ཚན་གྱི་ཕྲེང་གི་རྗེས་སུ་ཡོད་དགོས།
cat-import-record = record ནི་ item ཡང་ན་ material ཡིན་དགོས།
cat-import-no-items = JSON ཡིག་ཆར་ items ཐོ་གཞུང་དགོས།
cat-import-missing = ཡིག་ཚན་འདི་མི་འདུག
cat-import-code = “{ $value }” ནི་ཨང་རྟགས་ནོར་མེད་མིན། ({ $detail })
cat-import-not-object = ཟིན་ཐོ་རེ་རེ་ object ཡིན་དགོས།
cat-import-duplicate = ལག་བསྟར་ཨང་རྟགས་འདི་ཡིག་ཆའི་ནང་ཐེངས་གཅིག་ལས་མང་བ་ཐོན་འདུག
cat-import-empty = ཡིག་ཆའི་ནང་དོན་ཚན་མེད།
cat-import-title = དོན་ཚན་ནང་འདྲེན།
cat-export-csv = ཚང་མ་ཕྱིར་འདྲེན། (CSV)
cat-export-json = ཚང་མ་ཕྱིར་འདྲེན། (JSON)
cat-import-problems = བཅོས་དགོས་པའི་དཀའ་ངལ།
cat-import-where = གནས་ས།
cat-import-line = ཕྲེང་ { $line }
cat-import-record-n = ཟིན་ཐོ་ { $record }
cat-import-more = དཀའ་ངལ་གཞན་ { $count } མ་བཀོད།
cat-import-file = ནང་འདྲེན་ཡིག་ཆ། (CSV ཡང་ན་ JSON)
cat-import-hint = ཕྱིར་འདྲེན་ཡིག་ཆ་དང་རྣམ་པ་གཅིག་མཚུངས། དཀའ་ངལ་ཡོད་ན་ཅི་ཡང་ནང་འདྲེན་མི་བྱེད།
cat-import-submit = ཞིབ་བཤེར་བྱས་ནས་ནང་འདྲེན།
cat-import-not-utf8 = ཡིག་ཆ་ UTF-8 ཡིན་དགོས།
cat-import-done = ནང་འདྲེན་བྱས་ཟིན། པར་གཞི་གསར་པ་ { $versions } ཞིབ་བཤེར་སྒུག་བཞིན། དོན་ཚན་ { $unchanged } ལ་འགྱུར་བ་མེད།
# The guide.
cat-apply = ཞུ་གཏུག་བྱེད་ཐབས།
cat-apply-information = དོན་ཚན་འདིའི་དྲ་ཐོག་ཏུ་ཆ་འཕྲིན་ཁོ་ན་ཡོད། ས་གནས་དང་དུས་ཚོད་ལྟར་སྒེའུ་ཁུང་དུ་ཕེབས་རོགས།
cat-apply-forms = དྲ་ཐོག་ནས་རེའུ་མིག་ཕབ་ལེན་བྱས་ཏེ་སྒེའུ་ཁུང་དུ་སྤྲོད།
cat-apply-online-application = དྲ་ཐོག་ནས་ཞུ་ཡིག་སྤྲོད་ཆོག འབྲས་བུ་སྒེའུ་ཁུང་དུ་ལེན།
cat-apply-fully-online = དྲ་ཐོག་ནས་ཆ་ཚང་སྒྲུབ་ཆོག ས་ཐོག་ཏུ་ཡོང་མི་དགོས།
cat-qr-label = QR ཨང་རྟགས། ཁ་པར་ནས་ཞུ་གཏུག
cat-qr-caption = ཁ་པར་གྱིས་བཤེར་ནས་སྒྲུབ།
cat-places = ས་གནས་ { $count } ལ་སྒྲུབ་ཆོག
# Life-event bundles.
cat-bundles = བྱ་བ་གཅིག་ཐེངས་གཅིག་ལ་སྒྲུབ།
cat-bundles-intro = མི་ཚེའི་བྱ་བ་གཅིག་ལ་དོན་ཚན་མང་པོ་སྒྲུབ་དགོས། འདིར་ཕྱོགས་གཅིག་ཏུ་བསྡུས་ཡོད།
cat-bundle-items = དོན་ཚན་ { $count }
cat-bundle-where = ས་གནས་གང་དུ་སྒྲུབ། (ས་ཁོངས་ཨང་རྟགས།)
cat-bundle-where-hint = དཔེར་ན། ཁྲིན་ཀོན་ཆུས 540102
cat-bundle-show = ལྟ།
cat-bundle-materials = ཡོངས་བསྡོམས་ { $count } ནང་ནས་ { $obtainable } སྤྲོད་མི་དགོས།
cat-bundle-not-here = ས་གནས་འདིར་ལག་བསྟར་བྱེད་མཁན་མེད།
cat-bundle-not-found = བྱ་བ་འདི་མི་འདུག
cat-bundle-code = ཨང་རྟགས་ནི་ཡི་གེ་ཆུང་བ། ཨང་གྲངས། ཐིག་ཕྲན་ 2–40
cat-bundle-too-few = བྱ་བ་གཅིག་ལ་དོན་ཚན་གཉིས་ཡན་དགོས།
cat-bundle-repeated = དོན་ཚན་གཅིག་ཐེངས་གཉིས་འཇོག་མི་ཆོག
cat-bundle-unknown-item = གཞི་རྩའི་ཨང་རྟགས་ { $code } ཅན་གྱི་དོན་ཚན་མེད།
cat-list-centre = སྟབས་བདེའི་ཞབས་ཞུའི་ཐོ། { $centre }
cat-centre-not-found = ཞབས་ཞུ་ལྟེ་གནས་འདི་མི་འདུག
cat-certificate-type-unknown = ལག་ཁྱེར་རིགས་ { $code } མི་འདུག གཏན་འཁེལ་བྱེད་མཁན་སྡེ་ཚན་གྱིས་ད་དུང་གཏན་འཁེལ་བྱས་མེད།
cat-certificate-authority-unknown = ལག་ཁྱེར་རིགས་ { $code } གཏན་འཁེལ་བྱེད་མཁན་སྡེ་ཚན་མི་འདུག
cat-history-of = { $name } · པར་གཞིའི་ལོ་རྒྱུས།
cat-version-n = པར་གཞི་ { $version }
cat-stage-empty = ཞིབ་བཤེར་རིམ་པ་རེར་ཉུང་མཐར་ལས་འགན་གཅིག་དགོས།
cat-stage-days = ལས་འགན་རེར་ཉུང་མཐར་ལས་ཉིན་གཅིག་དགོས།
cat-stage-kind = ལས་འགན་གྱི་སྡེ་ཚན་རིགས་འབྲི་རོགས། (དཔེར་ན། market-regulation)
cat-stage-role = ལས་འགན་ཆོག་མཆན་པའམ་སྒེའུ་ཁུང་ལས་བྱེད་པར་ཁོ་ན་སྤྲོད་ཆོག
cat-stages-over-promised = ཞིབ་བཤེར་རིམ་པ་ཚང་མའི་དུས་ཚད་ཁས་བླངས་དུས་ཚད་ལས་བརྒལ་འདུག
cat-import-stages = “{ $value }” ཞིབ་བཤེར་རིམ་པ་མིན། ཕྲེང་རེར་རིམ་པ་གཅིག ལས་འགན་“རིགས:ཉིན་གྲངས”ལྟར་འབྲི་ཞིང་“ + ”ཡིས་སྦྲེལ།
cat-stats-in-cases = ད་བར་ཕུལ་བའི་ལས་དོན་ནང་ཡིག་ཆ་ { $materials } དགོས། དེའི་ནང་ནས་ { $certificates } གློག་རྡུལ་ལག་ཁྱེར་གྱིས་ཚབ་བྱས། { $registries } གཞི་རྩའི་མཛོད་ཀྱིས་ཚབ་བྱས།
cat-registry-field-unknown = ཡིག་ཆའི་འབྱུང་ཁུངས་སུ་བཀོད་པའི་གཞི་རྩའི་མཛོད་ཀྱི་ཡིག་དོན་ { $field } མི་འདུག (དཔེར་ན། population.marital_status, natural-resources.parcel)
# འཚོལ་བ། འཚོལ་ཚིག་ཇི་ལྟར་གོ་བ་དང་གཞི་གྲངས་དོ་དམ་པས་ཉར་བའི་འཚོལ་ཚིག
cat-search-cut = འཚོལ་ཚིག་གི་ཡིག་འབྲུ་དང་པོ་ { $count } ཁོ་ན་བཙལ།
cat-search-pinyin = ཕིན་ཡིན་དུ་གོ་སྟེ། “{ $query }” ཡི་འབྲས་བུ་སྟོན།
cat-search-corrected = ཁྱེད་ཀྱིས་ “{ $query }” བཙལ་འདོད་དམ། དེའི་འབྲས་བུ་སྟོན།
cat-search-ignored = ཞབས་ཞུ་གང་ནང་ཡང་མི་འདུག { $words }
cat-search-only-weak = ཚིག་ཚང་མ་དང་མཐུན་པའི་ཞབས་ཞུ་མེད། འདི་དག་ཚིག་ཁ་ཤས་དང་མཐུན།
cat-search-also = ཁྱེད་ཀྱིས་འདི་ཡང་བཙལ་སྲིད།
cat-term-empty = { $line ->
    [0] {""}
   *[other] ཕྲེང་ { $line }:{" "}
}ཚེག་ཤད་དང་བར་སྟོང་བསུབས་རྗེས་ཚིག་འདི་སྟོང་པ་རེད།
cat-term-no-meaning = { $line ->
    [0] {""}
   *[other] ཕྲེང་ { $line }:{" "}
}མིང་གྲངས་མཚུངས་པའམ་དམིགས་ཡུལ་ལ་དོན་གཅིག་ཉུང་མཐར་དགོས། དོན་སྟོང་པ་མི་ཆོག
cat-term-too-long = { $line ->
    [0] {""}
   *[other] ཕྲེང་ { $line }:{" "}
}རིང་དྲགས། ཚིག་ལ་ཡིག་འབྲུ་ { $term } ལས་མང་མི་ཆོག དོན་ལ་ { $meaning } ལས་མང་མི་ཆོག ཚིག་རེར་དོན་ { $count } ལས་མང་མི་ཆོག
cat-term-loop = { $line ->
    [0] {""}
   *[other] ཕྲེང་ { $line }:{" "}
}འདིས་ཚིག་རང་ཉིད་ལ་ཕྱིར་ལོག་འགྲོ། { $path } འཁོར་བ་སྒོ་རྒྱག་མཁན་གྱི་ཚིག་དེ་བཅོས་རོགས།
cat-term-stop-meaning = { $line ->
    [0] {""}
   *[other] ཕྲེང་ { $line }:{" "}
}བཀག་ཚིག་ནི་འཚོལ་ཚིག་ནས་བསུབ་པས་དོན་མེད་དགོས།
cat-term-everything = { $line ->
    [0] {""}
   *[other] ཕྲེང་ { $line }:{" "}
}“{ $meaning }” ཞབས་ཞུ་ཡོངས་ཀྱི་ { $percent }% ནང་ཡོད། དོན་དུ་བཀོལ་ན་ཚང་མ་དང་མཐུན་ཉེ།
cat-pin-unknown = གཞི་རྩའི་ཨང་རྟགས་ { $code } ཅན་གྱི་ཞབས་ཞུ་སྤེལ་ཟིན་པ་མེད།
cat-term-kind = རིགས།
cat-term-kind-synonym = མིང་གྲངས་མཚུངས་པའམ་བསྡུས་མིང་།
cat-term-kind-intent = དམིགས་ཡུལ། (བྱ་བ།)
cat-term-kind-stop = བཀག་ཚིག (བསུབ།)
cat-term-edit = འཚོལ་ཚིག་སྣོན་པའམ་བཅོས་པ།
cat-term-term = ཚིག
cat-term-means = དོན།
cat-term-means-hint = ཕྲེང་རེར་དོན་རེ། སྐད་ཡིག་གང་རུང་ཆོག བཀག་ཚིག་ལ་དོན་མེད།
cat-term-save = འཚོལ་ཚིག་ཉར་བ།
cat-terms-title = འཚོལ་ཚིག
cat-terms-intro = མི་དམངས་ཀྱིས་འབྲི་བའི་ཚིག་དང་ཞབས་ཞུའི་མིང་ཐ་དད་ཡོད་སྲིད། མིང་གྲངས་མཚུངས་པས་འཚོལ་ཚིག་ལ་དོན་སྣོན། དམིགས་ཡུལ་གྱིས་རེ་འདུན་ཞབས་ཞུའི་བྱ་བར་བསྒྱུར། བཀག་ཚིག་བསུབ། བཅོས་པ་ཞབས་ཞུ་འཕྲུལ་ཆས་ཚང་མའི་འཚོལ་བ་རྗེས་མར་ནུས་པ་ཐོན།
cat-terms-export = ཕྱིར་འདོན། (TSV)
cat-terms-import = འཚོལ་ཚིག་ནང་འདྲེན།
cat-terms-import-hint = TSV ཡིག་ཆ། སྟར་པ་ནི་ཚིག རིགས། (synonym, intent, stop) “|” ཡིས་ཁ་གྱེས་པའི་དོན། ཕྲེང་གཅིག་ནོར་ན་ཡིག་ཆས་ཅི་ཡང་མི་བསྒྱུར།
cat-terms-find = འཚོལ་ཚིག་འཚོལ་བ།
cat-terms-count = འཚོལ་ཚིག་ { $count }
cat-term-changed = བཅོས་མཁན།
cat-term-remove = བསུབ་པ།
cat-terms-history = ཉེ་ཆར་གྱི་བཅོས་སྒྲིག
cat-term-before = སྔོན།
cat-term-after = རྗེས།
cat-term-saved = འཚོལ་ཚིག “{ $term }” ཉར་ཟིན།
cat-term-removed = འཚོལ་ཚིག “{ $term }” བསུབས་ཟིན།
cat-terms-imported = { $count ->
    [0] ཡིག་ཆས་འཚོལ་ཚིག་གང་ཡང་མ་བསྒྱུར།
   *[other] འཚོལ་ཚིག་ { $count } བསྒྱུར།
}
cat-queries-title = འབྲས་བུ་མ་རྙེད་པའི་འཚོལ་ཚིག
cat-queries-intro = འབྲས་བུ་མ་རྙེད་པའམ་འབྲས་བུ་སུས་ཀྱང་མ་ཕྱེ་བའི་འཚོལ་ཚིག་གཟའ་འཁོར་དང་ས་གནས་ལྟར་བགྲང་། སུས་བཙལ་བ་མི་ཉར། མིང་གྲངས་མཚུངས་པ་སྣོན་པའམ་འཚོལ་ཚིག་དེ་ཞབས་ཞུ་གང་ཡིན་པ་བརྗོད།
cat-queries-week = གཟའ་འཁོར།
cat-queries-place = ས་གནས།
cat-queries-none = ལན་མ་ཐོབ་པའི་འཚོལ་ཚིག་མེད།
cat-queries-query = འཚོལ་ཚིག་དང་དེའི་གོ་དོན།
cat-queries-counts = ཐེངས་གྲངས།
cat-queries-act = ལེགས་བཅོས།
cat-queries-region = རང་སྐྱོང་ལྗོངས་ཡོངས།
cat-queries-count = བཙལ་ཐེངས་ { $searches } མ་རྙེད་ཐེངས་ { $empty } ཕྱེ་ཐེངས་ { $opened }
cat-queries-add-synonym = མིང་གྲངས་མཚུངས་པ་སྣོན།
cat-queries-means-item = ཞབས་ཞུ། (གཞི་རྩའི་ཨང་རྟགས།)
cat-queries-pin = ཉར་བ།
cat-pin-saved = “{ $query }” ད་ནི་ཞབས་ཞུ་ { $code } ཡིན།
cat-terms-unreadable = ཉར་ཟིན་པའི་འཚོལ་ཚིག་འདི་དག་ཞིབ་བཤེར་ལས་མ་འདས་པས་ཡང་བསྐྱར་མ་ཉར་བར་དུ་འཚོལ་བས་རྒྱབ་ཏུ་བཞག { $terms }
cat-search-place = { $place } ལ་སྒྲུབ་ཆོག་པའི་ཞབས་ཞུ།
cat-search-wylie = ཝ་ལི་ཡི་སྒྲ་སྒྱུར་ལྟར་བོད་ཡིག་ཏུ་ཀློག་སྟེ། “{ $query }” ཡི་འབྲས་བུ་སྟོན།
