# The base registries.
reg-invalid = 登记信息有问题，已逐项指出。
reg-not-found = 基础库中没有此人。
reg-purpose-missing = 查询须说明用途。
reg-field-unknown = 没有字段 { $field }。
reg-not-owner = 字段 { $field } 的数据来源是 { $owner } 部门，本部门不能修改；可提交核校意见。
reg-value-text = 不超过 { $max } 个字符，且只有一行。
reg-value-date = “{ $value }”不是日期（年-月-日）。
reg-value-division = “{ $value }”不是已知的行政区划代码。
reg-value-choice = “{ $value }”不是此字段允许的值。
reg-name-missing = 请填写中文姓名。
reg-already-registered = 此人已经登记。
