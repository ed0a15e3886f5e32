# 政务服务事项目录。
cat-items-title = 办事服务
cat-search-label = 您要办什么事？
cat-search-hint = 例如：营业执照、结婚登记、低保，可用中文、藏文或英文。
cat-search = 搜索
cat-any = 不限
cat-object = 服务对象
cat-object-person = 自然人
cat-object-entity = 法人
cat-object-both = 自然人和法人
cat-level = 层级
cat-one-trip = 最多跑一次
cat-found = 找到 { $count } 项服务。
cat-visits = { $count ->
    [0] 零跑动
   *[other] 跑动 { $count } 次
}
cat-days = { $count } 个工作日
cat-depth = 网办深度
cat-depth-information = 仅提供信息
cat-depth-forms = 可下载表格
cat-depth-online-application = 网上申请
cat-depth-fully-online = 全程网办
cat-code = 实施编码
cat-type = 事项类型
cat-type-licensing = 行政许可
cat-type-penalty = 行政处罚
cat-type-coercion = 行政强制
cat-type-levy = 行政征收
cat-type-benefit = 行政给付
cat-type-inspection = 行政检查
cat-type-confirmation = 行政确认
cat-type-reward = 行政奖励
cat-type-ruling = 行政裁决
cat-type-other-power = 其他行政权力
cat-type-public-service = 公共服务
cat-department = 实施机构
cat-time = 办理时限
cat-time-limits = 承诺 { $promised } 个工作日（法定 { $statutory } 个工作日）
cat-visits-label = 到现场次数
cat-fee-label = 收费
cat-free = 不收费
cat-fee = ￥{ $yuan }
cat-place = 办理地点和时间
cat-materials = 申请材料
cat-condition = 仅限{ $condition }
cat-no-need = 免提交
cat-source-certificate = 平台调用您的电子证照
cat-source-registry = 平台调取政府已有信息
cat-source-shared = 平台从持有部门共享获取
cat-conditions = 受理条件
cat-steps = 办理流程
cat-basis = 设定依据
cat-consult = 咨询：
cat-complain = 投诉：
cat-not-found = 目录中没有这项服务。
cat-bad-param = { $name } 的值 { $value } 无效。
cat-invalid = 事项有误，已逐项注明字段。
cat-basic-length = 基本编码应为 12 位，而不是 { $length } 位。
cat-code-chars = 编码只能由数字和大写字母组成。
cat-impl-length = 实施编码应为 31 至 36 位，而不是 { $length } 位。
cat-impl-credit-code = 实施编码以实施主体的统一社会信用代码开头，此代码校验不通过。
cat-impl-basic-mismatch = 实施编码在信用代码之后不含本事项的基本编码。
cat-impl-body-mismatch = 实施编码中的信用代码与实施部门不符。
cat-name-missing = 请填写中文名称。
cat-days-impossible = 超过 250 个工作日不是有效的时限。
cat-promised-over-statutory = 承诺时限不能长于法定时限。
cat-immediate-days = 即办件的承诺时限不能超过 1 个工作日。
cat-fee-negative = 收费不能为负数。
cat-visits-impossible = 到现场次数不可能超过 9 次。
cat-online-visits = 全程网办事项无需到现场。
cat-divisions-missing = 请填写实施区划。
cat-divisions-outside = 事项只能在实施部门所在区划内实施。
cat-division-unknown = 没有区划 { $code }。
cat-department-unknown = 没有部门 { $code }。
cat-steps-missing = 请填写办理流程。
cat-window-missing = 请填写进驻中心的窗口类别。
cat-condition-empty = 有条件的材料须写明条件。
cat-certificate-type = 证照类型代码为定义机构的统一社会信用代码加 3 位数字。
cat-publish-unreviewed = 只有审核中的版本才能发布。
cat-review-not-draft = 只有草稿才能提交审核。
cat-own-review = 版本的编写人不能审核自己的版本，须由另一位审核人审核。
cat-lists = 清单
cat-list-power = 权责清单
cat-list-public-service = 公共服务事项清单
cat-list-one-trip = “最多跑一次”事项清单
cat-list-on-site = 进驻政务服务中心事项清单
cat-list-csv = 下载 CSV
cat-stats-title = 事项目录统计
cat-stats-by = 分组
cat-stats-by-department = 部门
cat-stats-by-level = 层级
cat-stats-by-division = 区划
cat-stats-items = 事项数
cat-stats-online = 可网办
cat-stats-fully-online = 全程网办
cat-stats-in-centre = 进驻中心
cat-stats-materials = 平均材料数
cat-stats-obtainable = 免提交材料占比

# Catalogue management.
cat-status = 状态
cat-status-draft = 草稿
cat-status-in-review = 待审核
cat-status-published = 已发布
cat-status-retired = 已停用
cat-manage-title = 事项管理
cat-manage-find = 实施编码
cat-manage-find-hint = 输入事项的实施编码，打开其版本历史。
cat-manage-open = 打开
cat-manage-pending = 待处理的版本
cat-manage-none-pending = 没有待处理的版本。
cat-version = 版本
cat-author = 编制人
cat-reviewer = 审核人
cat-not-a-number = “{ $value }”不是整数。
cat-not-an-amount = “{ $value }”不是金额（例如 12.50）。
cat-manage-item = 事项管理：{ $name }
cat-manage-see-guide = 查看办事指南
cat-history = 版本历史
cat-manage-new-draft = 编制新版本
cat-manage-draft-hint = 以最新版本为基础；申请材料通过导入文件修改。保存后送审，由另一位审核人发布。
cat-manage-save-draft = 保存草稿
cat-manage-retire = 停用此事项
cat-reason = 理由
cat-reason-missing = 请说明理由。
cat-version-of = { $name } · 第 { $version } 版
cat-diff = 与之前版本的差异
cat-diff-first = 这是第一个版本。
cat-diff-against = 与第 { $version } 版相比。
cat-diff-none = 没有改动。
cat-diff-field = 字段
cat-diff-before = 修改前
cat-diff-after = 修改后
cat-manage-submit = 送审
cat-manage-publish = 审核通过并发布
cat-manage-send-back = 退回修改
cat-submitted = 已送审。
cat-published = 已发布，现行版本已更新。
cat-sent-back = 已退回编制人。
cat-retired = 事项已停用，不再出现在清单和搜索中。
cat-field-code = 实施编码
cat-field-basic_code = 基本编码
cat-field-name_zh = 事项名称（中文）
cat-field-name_bo = 事项名称（藏文）
cat-field-name_en = 事项名称（英文）
cat-field-item_type = 事项类型
cat-field-department = 实施主体
cat-field-level = 行使层级
cat-field-divisions = 实施区划
cat-field-legal_basis = 设定依据
cat-field-conditions = 受理条件
cat-field-materials = 申请材料
cat-field-steps = 办理流程（每行一步）
cat-field-statutory_days = 法定办结时限（工作日）
cat-field-promised_days = 承诺办结时限（工作日）
cat-field-case_type = 办件类型
cat-field-fee_fen = 收费（分）
cat-field-fee_yuan = 收费金额（元，免费留空）
cat-field-fee_basis = 收费依据
cat-field-place = 办理地点
cat-field-hours = 办理时间
cat-field-visits = 到现场次数
cat-field-online_depth = 网上办理深度
cat-field-in_centre = 进驻政务服务中心
cat-field-window_category = 窗口类别
cat-field-service_object = 服务对象
cat-field-high_frequency = 高频事项
cat-field-life_events = 人生事件
cat-field-themes = 主题
cat-field-consultation = 咨询方式
cat-field-complaint = 投诉方式
cat-field-special_procedures = 特别程序

# Import and export.
cat-list-entry = 列表中的每一项须为非空的一行文字，首尾不留空格。
cat-import-refused = 导入文件有 { $count } 处问题，未导入任何内容。
cat-import-not-yours = 您没有权限管理该区划的事项。
cat-import-flag = “{ $value }”应为 true 或 false。
cat-import-source = “{ $value }”不是材料来源；应为 applicant、certificate:类型代码、registry:字段或 shared:资源。
cat-import-syntax = 文件无法读取：{ $detail }
cat-import-columns = 缺少列：{ $columns }
cat-import-orphan-material = 材料行须紧跟其事项行，且实施编码相同。
cat-import-record = record 列应为 item 或 material。
cat-import-no-items = JSON 文件应包含 items 列表。
cat-import-missing = 缺少此字段。
cat-import-code = “{ $value }”不是有效编码（{ $detail }）。
cat-import-not-object = 每条记录应为一个对象。
cat-import-duplicate = 此实施编码在文件中出现了不止一次。
cat-import-empty = 文件中没有事项。
cat-import-title = 导入事项
cat-export-csv = 导出全部（CSV）
cat-export-json = 导出全部（JSON）
cat-import-problems = 需要改正的问题
cat-import-where = 位置
cat-import-line = 第 { $line } 行
cat-import-record-n = 第 { $record } 条
cat-import-more = 另有 { $count } 处问题未列出。
cat-import-file = 导入文件（CSV 或 JSON）
cat-import-hint = 格式与导出文件相同。有问题的文件不会导入任何内容；有改动的事项成为待审核版本，由审核人发布。
cat-import-submit = 检查并导入
cat-import-not-utf8 = 文件须为 UTF-8 编码。
cat-import-done = 已导入：{ $versions } 个新版本待审核，{ $unchanged } 个事项无变化。
# The guide.
cat-apply = 办理方式
cat-apply-information = 本事项在网上仅提供办事信息，请按下列地点和时间到窗口办理。
cat-apply-forms = 可在网上下载表格，填好后到窗口提交。
cat-apply-online-application = 可在网上申请并预审，结果或原件在窗口领取。
cat-apply-fully-online = 全程网上办理，无需到现场；结果可邮寄送达。
cat-qr-label = 二维码：在手机上申请此事项
cat-qr-caption = 扫码在手机上办理
cat-places = 在 { $count } 个地方办理
# Life-event bundles.
cat-bundles = 一件事一次办
cat-bundles-intro = 人生和经营中的一件事往往要办好几个事项。这里把它们放在一起：一次了解要带什么、要多久，一次申请。
cat-bundle-items = { $count } 个事项
cat-bundle-where = 您在哪里办理（区划代码）
cat-bundle-where-hint = 例如城关区 540102；留空则显示全区。
cat-bundle-show = 查看
cat-bundle-materials = 共 { $count } 份（每份只需一次），其中 { $obtainable } 份免提交
cat-bundle-not-here = 此地暂无实施机构
cat-bundle-not-found = 没有这件事。
cat-bundle-code = 代码由 2–40 个小写字母、数字或连字符组成。
cat-bundle-too-few = 一件事至少包含两个事项。
cat-bundle-repeated = 同一事项不能出现两次。
cat-bundle-unknown-item = 没有已发布的事项使用基本编码 { $code }。
cat-list-centre = 便民服务清单：{ $centre }
cat-centre-not-found = 没有这个服务中心或服务站。
cat-certificate-type-unknown = 证照类型 { $code } 不存在：其定义机构尚未定义该类型。
cat-certificate-authority-unknown = 证照类型 { $code } 的定义机构不是平台上的部门。
cat-history-of = { $name } · 版本历史
cat-version-n = 第 { $version } 版
cat-stage-empty = 每个审批环节至少要有一项任务。
cat-stage-days = 每项任务至少一个工作日。
cat-stage-kind = 请写明任务承办部门的类别（如 market-regulation）。
cat-stage-role = 任务只能交给审批人员或窗口人员。
cat-stages-over-promised = 各审批环节合计用时超过了承诺时限。
cat-import-stages = “{ $value }”不是审批环节：每行一个环节，任务写成“类别:天数”，并行任务用“ + ”连接。
cat-stats-in-cases = 已提交办件共涉及材料 { $materials } 份：其中 { $certificates } 以电子证照代替免于提交，{ $registries } 由基础信息库提供免于提交。
cat-registry-field-unknown = 材料来源中的基础库字段 { $field } 不存在（例如 population.marital_status、natural-resources.parcel）。
# 搜索：查询如何被理解，以及数据管理员维护的检索词。
cat-search-cut = 只检索了查询的前 { $count } 个字符。
cat-search-pinyin = 按拼音理解：以下是“{ $query }”的结果。
cat-search-corrected = 您是不是要找“{ $query }”？以下是它的结果。
cat-search-ignored = 没有事项提到：{ $words }
cat-search-only-weak = 没有事项与每个词都匹配；以下事项与其中部分词匹配。
cat-search-also = 您可能还想找
cat-term-empty = { $line ->
    [0] {""}
   *[other] 第 { $line } 行：
}去掉标点和空格后，这个词是空的。
cat-term-no-meaning = { $line ->
    [0] {""}
   *[other] 第 { $line } 行：
}同义词或意图至少要有一个含义，且含义不能为空。
cat-term-too-long = { $line ->
    [0] {""}
   *[other] 第 { $line } 行：
}太长了：词最多 { $term } 个字符，含义最多 { $meaning } 个字符，每个词最多 { $count } 个含义。
cat-term-loop = { $line ->
    [0] {""}
   *[other] 第 { $line } 行：
}这会绕回这个词本身：{ $path }。请改为修改闭合这个循环的那个词。
cat-term-stop-meaning = { $line ->
    [0] {""}
   *[other] 第 { $line } 行：
}停用词会从查询中去掉，不能有含义。
cat-term-everything = { $line ->
    [0] {""}
   *[other] 第 { $line } 行：
}“{ $meaning }”出现在 { $percent }% 的事项中：作为含义几乎会匹配所有事项。
cat-pin-unknown = 没有已发布的事项使用基本编码 { $code }。
cat-term-kind = 类别
cat-term-kind-synonym = 同义词或简称
cat-term-kind-intent = 意图（办理动作）
cat-term-kind-stop = 停用词（去掉）
cat-term-edit = 新增或修改检索词
cat-term-term = 词
cat-term-means = 含义
cat-term-means-hint = 每行一个含义，可用任何语言。停用词没有含义。
cat-term-save = 保存检索词
cat-terms-title = 检索词
cat-terms-intro = 群众输入的词和事项名称常常不同。同义词把含义加到查询词上（社保 → 社会保险），意图把诉求转成事项所称的办理动作（丢了 → 补领），停用词会被去掉。修改在每台服务器的下一次搜索时生效。
cat-terms-export = 导出（TSV）
cat-terms-import = 导入检索词
cat-terms-import-hint = TSV 文件，列为：词、类别（synonym、intent 或 stop）、以“|”分隔的含义，与导出格式相同。全部成功或全部不变：有任何一行有误，文件都不会改变任何内容。
cat-terms-find = 查找检索词
cat-terms-count = 共 { $count } 个检索词。
cat-term-changed = 修改人
cat-term-remove = 删除
cat-terms-history = 最近的修改
cat-term-before = 修改前
cat-term-after = 修改后
cat-term-saved = 检索词“{ $term }”已保存。
cat-term-removed = 检索词“{ $term }”已删除。
cat-terms-imported = { $count ->
    [0] 文件没有改变任何检索词。
   *[other] 改变了 { $count } 个检索词。
}
cat-queries-title = 没有找到结果的查询
cat-queries-intro = 没有找到结果、或结果无人打开的查询，按周和地区计数，不记录是谁查询的。可以添加同义词，或指明查询对应的事项。
cat-queries-week = 周
cat-queries-place = 地区
cat-queries-none = 没有未得到回答的查询。
cat-queries-query = 查询及其理解
cat-queries-counts = 次数
cat-queries-act = 改进
cat-queries-region = 全区
cat-queries-count = 查询 { $searches } 次，无结果 { $empty } 次，打开 { $opened } 次
cat-queries-add-synonym = 添加同义词
cat-queries-means-item = 对应事项（基本编码）
cat-queries-pin = 保存
cat-pin-saved = “{ $query }”现在对应事项 { $code }。
cat-terms-unreadable = 以下已存的检索词未通过检查，搜索会跳过，直到重新保存：{ $terms }
cat-search-place = 在{ $place }办理的事项。
cat-search-wylie = 按威利转写读作藏文：以下是“{ $query }”的结果。
