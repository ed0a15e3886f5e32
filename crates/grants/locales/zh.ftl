grant-client = 没有客户端“{ $client }”。
grant-scope = 没有“{ $scope }”授权范围（population、entities、geography、cases 或 certs）。
grant-department = 没有部门“{ $department }”。
grant-not-found = 没有这项授权。
grant-token = 需要以客户端凭证方式取得的有效访问令牌。
grant-refused = 该系统没有此项授权（基础库或本部门办件）。
grant-forbidden = 只有全区管理员可以管理系统授权。
grant-reads = 只有登记簿的范围（population 或 entities）才能同时授予读取的数据项，且至少一项；“{ $scope }”不是这样的授权。
