grant-client = There is no client “{ $client }”.
grant-scope = There is no scope “{ $scope }” (population, entities, geography, cases or certs).
grant-department = There is no department “{ $department }”.
grant-not-found = There is no such grant.
grant-token = A valid access token from the client-credentials grant is required.
grant-refused = This system has no grant for this (a registry, or its department's cases).
grant-forbidden = Only the region's administrators manage system grants.
grant-reads = What a system reads is given only with a register's scope (population or entities), and names at least one item; “{ $scope }” is not such a grant.
