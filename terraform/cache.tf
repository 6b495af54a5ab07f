# The rate limits' shared counters (RATELIMIT_STORAGE_URI): every worker of every instance counts
# in one place, so "5 failures per 15 minutes" holds across the fleet. Private subnets, reachable
# from the service instances only, TLS in transit with an AUTH token, encrypted at rest.
resource "aws_elasticache_subnet_group" "this" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_elasticache_replication_group" "limits" {
  replication_group_id       = "${local.name}-limits"
  description                = "Arcane: rate-limit counters"
  engine                     = "redis"
  engine_version             = var.redis_engine_version
  node_type                  = var.redis_node_type
  num_cache_clusters         = var.redis_multi_az ? 2 : 1
  port                       = local.redis_port
  parameter_group_name       = "default.redis7"
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.redis.id]
  automatic_failover_enabled = var.redis_multi_az
  multi_az_enabled           = var.redis_multi_az
  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth_token.result
  # A new token is accepted beside the old one, so the instances can roll onto it one by one.
  auth_token_update_strategy = "ROTATE"
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.this.arn
  auto_minor_version_upgrade = true
  maintenance_window         = "sun:04:30-sun:05:30"
  snapshot_retention_limit   = 0
}
