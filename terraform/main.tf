provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = "arcane"
      Environment = var.environment
      ManagedBy   = "terraform"
    })
  }
}

# Named zones, not "the first two": the subnets must not move when AWS adds a zone.
data "aws_availability_zones" "selected" {
  state = "available"

  filter {
    name   = "zone-name"
    values = var.availability_zones
  }

  lifecycle {
    postcondition {
      condition     = length(self.names) == length(var.availability_zones)
      error_message = "Every zone of availability_zones must exist and be available in the region."
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name       = "arcane-${var.environment}"
  azs        = data.aws_availability_zones.selected.names
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  https      = var.certificate_arn != null
  app_port   = 5222
  db_port    = 27017
  redis_port = 6379

  # Not created here: an operator puts it for the first administrator and deletes it after.
  admin_password_parameter = "/arcane/${var.environment}/ADMIN_PASSWORD"
}
