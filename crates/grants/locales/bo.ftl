grant-client = “{ $client }” ཞེས་པའི་མཁོ་མཁན་མི་འདུག
grant-scope = “{ $scope }” ཞེས་པའི་དབང་ཆའི་ཁྱབ་ཁོངས་མི་འདུག (population, entities, geography, cases, certs)
grant-department = “{ $department }” ཞེས་པའི་ལས་ཁུངས་མི་འདུག
grant-not-found = དབང་ཆ་དེ་འདྲ་མི་འདུག
grant-token = མཁོ་མཁན་ལག་འཁྱེར་བརྒྱུད་ནས་ཐོབ་པའི་འཛུལ་ལམ་ཐོ་རྟགས་ནུས་ལྡན་དགོས།
grant-refused = མ་ལག་འདི་ལ་དབང་ཆ་འདི་མེད། (གཞི་རྩའི་མཛོད་དམ་སྡེ་ཚན་གྱི་ལས་དོན།)
grant-forbidden = ས་ཁུལ་ཡོངས་ཀྱི་དོ་དམ་པ་ཁོ་ནས་མ་ལག་གི་དབང་ཆ་དོ་དམ་བྱེད་ཆོག
