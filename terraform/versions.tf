terraform {
  # 1.10: S3 state locking without DynamoDB (use_lockfile); 1.9: validations that read other variables.
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7.0"
    }
  }

  # The state holds the generated secrets: keep it in an encrypted, access-controlled S3 bucket.
  # terraform init -backend-config=backend.hcl (see README.md).
  backend "s3" {}
}
