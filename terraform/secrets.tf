# The three secrets of the service, generated here and kept in SSM Parameter Store as SecureString
# under the environment's KMS key; the instances read them at boot, nothing else holds them.
# random_password values are stored in the Terraform state in clear: the state backend must be
# encrypted and access-controlled (README.md explains the choice and the alternatives).
resource "random_password" "jwt_secret_key" {
  length  = 64
  special = false
}

# Letters and digits only: DocumentDB refuses / " @ and the password goes into a URI.
resource "random_password" "database" {
  length  = 40
  special = false
}

# ElastiCache takes 16 to 128 printable characters; letters and digits also go into a URI as they are.
resource "random_password" "redis_auth_token" {
  length  = 64
  special = false
}

resource "aws_ssm_parameter" "jwt_secret_key" {
  name        = "/arcane/${var.environment}/JWT_SECRET_KEY"
  description = "HMAC key of Arcane's JWTs"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  value       = random_password.jwt_secret_key.result
}

resource "aws_ssm_parameter" "mongodb_uri" {
  name        = "/arcane/${var.environment}/MONGODB_URI"
  description = "Arcane's database URI (DocumentDB: TLS with Amazon's CA bundle, no retryable writes)"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  value       = local.mongodb_uri
}

resource "aws_ssm_parameter" "redis_auth_token" {
  name        = "/arcane/${var.environment}/REDIS_AUTH_TOKEN"
  description = "AUTH token of Arcane's ElastiCache for Redis (rate-limit counters)"
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  value       = random_password.redis_auth_token.result
}

locals {
  # The CA bundle path is where the instance mounts it into the container (user_data.sh.tftpl).
  mongodb_uri = format(
    "mongodb://%s:%s@%s:%d/arcane?tls=true&tlsCAFile=%s&replicaSet=rs0&readPreference=primary&retryWrites=false&authSource=admin",
    aws_docdb_cluster.this.master_username,
    random_password.database.result,
    aws_docdb_cluster.this.endpoint,
    aws_docdb_cluster.this.port,
    "/etc/ssl/certs/rds-global-bundle.pem",
  )
}
