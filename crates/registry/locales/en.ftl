# The base registries.
reg-invalid = The registry entry has problems; each is named by its field.
reg-not-found = This person is not in the registry.
reg-purpose-missing = A read needs a stated purpose.
reg-field-unknown = There is no field { $field }.
reg-not-owner = The field { $field } is owned by { $owner }; your department cannot change it (it may submit an observation).
reg-value-text = At most { $max } characters, on one line.
reg-value-date = “{ $value }” is not a date (year-month-day).
reg-value-division = “{ $value }” is not a known division code.
reg-value-choice = “{ $value }” is not one of this field's values.
reg-name-missing = Give the name in Chinese.
reg-already-registered = This person is already registered.
