# The base registries.
reg-invalid = ཐོ་འགོད་ཆ་འཕྲིན་ལ་དཀའ་ངལ་ཡོད།
reg-not-found = གཞི་རྩའི་མཛོད་དུ་མི་འདི་མི་འདུག
reg-purpose-missing = འཚོལ་ཞིབ་ལ་དམིགས་ཡུལ་གསལ་བཤད་དགོས།
reg-field-unknown = ཡིག་ཚན་ { $field } མི་འདུག
reg-not-owner = ཡིག་ཚན་ { $field } གི་འབྱུང་ཁུངས་ནི་ { $owner } ཡིན།
reg-value-text = ཡིག་འབྲུ་ { $max } ལས་མི་མང་།
reg-value-date = “{ $value }” ནི་ཚེས་གྲངས་མིན།
reg-value-division = “{ $value }” ནི་ས་ཁོངས་ཨང་རྟགས་མིན།
reg-value-choice = “{ $value }” ཡིག་ཚན་འདིར་མི་ཆོག
reg-name-missing = རྒྱ་ཡིག་མིང་འབྲི་རོགས།
reg-already-registered = མི་འདི་ཐོ་འགོད་བྱས་ཟིན།
