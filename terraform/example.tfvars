# terraform plan -var-file=example.tfvars (copy it first: terraform.tfvars is yours to keep).
region             = "eu-west-3"
availability_zones = ["eu-west-3a", "eu-west-3b"]
environment        = "production"
image              = "123456789012.dkr.ecr.eu-west-3.amazonaws.com/arcane:1.0.0"
certificate_arn    = "arn:aws:acm:eu-west-3:123456789012:certificate/00000000-0000-0000-0000-000000000000"

# This stack creates the repository the image is pushed to (terraform output ecr_repository_url).
# A staging stack in the same account pulls from production's instead:
#   create_ecr_repository = false
#   ecr_repository_arn    = "arn:aws:ecr:eu-west-3:123456789012:repository/arcane"
create_ecr_repository = true
ecr_images_kept       = 30

instance_type        = "t3.small"
asg_min_size         = 2
asg_max_size         = 4
asg_desired_capacity = 2
worker_class         = "meinheld"

docdb_instance_class        = "db.t3.medium"
docdb_instance_count        = 2
docdb_backup_retention_days = 7
deletion_protection         = true

redis_node_type = "cache.t4g.micro"
redis_multi_az  = true

tags = {
  CostCenter = "listings"
}
