output "url" {
  description = "Public URL of the service."
  value       = "${local.https ? "https" : "http"}://${aws_lb.this.dns_name}"
}

output "ecr_repository_url" {
  description = "Where to push the image (docker push URL:TAG), when this stack created the repository."
  value       = var.create_ecr_repository ? aws_ecr_repository.api[0].repository_url : null
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer, for a CNAME or an alias record."
  value       = aws_lb.this.dns_name
}

output "documentdb_endpoint" {
  description = "DocumentDB cluster (writer) endpoint."
  value       = aws_docdb_cluster.this.endpoint
}

output "documentdb_reader_endpoint" {
  description = "DocumentDB reader endpoint."
  value       = aws_docdb_cluster.this.reader_endpoint
}

output "redis_endpoint" {
  description = "ElastiCache for Redis primary endpoint (TLS, AUTH token), where the rate limits count."
  value       = "${aws_elasticache_replication_group.limits.primary_endpoint_address}:${local.redis_port}"
}

output "parameter_names" {
  description = "SSM parameters (SecureString) holding the service's secrets."
  value = {
    jwt_secret_key   = aws_ssm_parameter.jwt_secret_key.name
    mongodb_uri      = aws_ssm_parameter.mongodb_uri.name
    redis_auth_token = aws_ssm_parameter.redis_auth_token.name
  }
}

output "log_group_name" {
  description = "CloudWatch log group of the container."
  value       = aws_cloudwatch_log_group.app.name
}

output "autoscaling_group_name" {
  description = "Auto-scaling group of the service instances."
  value       = aws_autoscaling_group.api.name
}
