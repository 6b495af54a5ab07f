# The service's image registry. Tags are immutable (a tag names one image for good, so deploying or
# rolling back to a tag runs what was tested), every push is scanned for known vulnerabilities,
# the layers are encrypted with the environment's KMS key, and old images expire.
resource "aws_ecr_repository" "api" {
  count = var.create_ecr_repository ? 1 : 0

  name                 = var.ecr_repository_name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.this.arn
  }
}

resource "aws_ecr_lifecycle_policy" "api" {
  count = length(aws_ecr_repository.api)

  repository = aws_ecr_repository.api[count.index].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Untagged images (interrupted pushes, replaced manifests) after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = {
          type = "expire"
        }
      },
      {
        rulePriority = 2
        description  = "Beyond the most recent images, kept for rollbacks"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_images_kept
        }
        action = {
          type = "expire"
        }
      },
    ]
  })
}

locals {
  # The repository the instances may pull from: this stack's, or one named by ecr_repository_arn.
  ecr_repository_arn = var.create_ecr_repository ? aws_ecr_repository.api[0].arn : var.ecr_repository_arn
  # Log in before pulling only when the image is in an ECR registry.
  ecr_registry = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/", var.image)) ? split("/", var.image)[0] : ""
}
