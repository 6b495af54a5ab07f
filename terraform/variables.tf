variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-3"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "The region must look like eu-west-3."
  }
}

variable "availability_zones" {
  description = "The two availability zones of the subnets, instances and database, in the region."
  type        = list(string)
  default     = ["eu-west-3a", "eu-west-3b"]

  validation {
    condition     = length(var.availability_zones) == 2 && alltrue([for zone in var.availability_zones : startswith(zone, var.region)])
    error_message = "Give two availability zones of the region (e.g. eu-west-3a and eu-west-3b)."
  }
}

variable "environment" {
  description = "Environment name, used in resource names and parameter paths (e.g. production, staging)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.environment))
    error_message = "The environment must be 2 to 20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "image" {
  description = "Container image to run, with an immutable tag or a digest (e.g. 123456789012.dkr.ecr.eu-west-3.amazonaws.com/arcane:1.0.0)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9./_:-]*(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$", var.image)) && !endswith(var.image, ":latest")
    error_message = "The image must name a tag other than latest, or a sha256 digest."
  }
}

variable "create_ecr_repository" {
  description = "Create the image's ECR repository in this stack (immutable tags, scan on push, KMS, lifecycle policy); false to use one from another stack (ecr_repository_arn) or a public registry."
  type        = bool
  default     = true
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository created when create_ecr_repository is true."
  type        = string
  default     = "arcane"

  validation {
    condition     = can(regex("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", var.ecr_repository_name)) && length(var.ecr_repository_name) <= 256
    error_message = "The repository name must be lowercase letters, digits and . _ - / separators (ECR's rules)."
  }
}

variable "ecr_images_kept" {
  description = "Images the repository keeps, newest first, before its lifecycle policy expires older ones: the depth of possible rollbacks."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_images_kept >= 5 && floor(var.ecr_images_kept) == var.ecr_images_kept
    error_message = "Keep a whole number of at least 5 images."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of an ECR repository created elsewhere (e.g. by the production stack, for staging), to let the instances pull from it; null when this stack creates its own or the image is public."
  type        = string
  default     = null

  validation {
    condition     = var.ecr_repository_arn == null || can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+$", var.ecr_repository_arn))
    error_message = "The ECR repository ARN must look like arn:aws:ecr:REGION:ACCOUNT:repository/NAME."
  }

  validation {
    condition     = var.ecr_repository_arn == null || !var.create_ecr_repository
    error_message = "Set create_ecr_repository = false to use the repository of ecr_repository_arn."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into two public and two private subnets."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 22
    error_message = "The VPC CIDR must be a valid IPv4 block of /22 or larger."
  }
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per availability zone (survives an AZ outage) rather than one shared NAT gateway (cheaper)."
  type        = bool
  default     = true
}

variable "allowed_ingress_cidrs" {
  description = "CIDR blocks allowed to reach the load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.allowed_ingress_cidrs) > 0 && alltrue([for cidr in var.allowed_ingress_cidrs : can(cidrhost(cidr, 0))])
    error_message = "Give at least one valid IPv4 CIDR block."
  }
}

variable "certificate_arn" {
  description = "ARN of an ACM certificate for HTTPS on the load balancer; null serves HTTP only."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "The certificate ARN must look like arn:aws:acm:REGION:ACCOUNT:certificate/ID."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the service."
  type        = string
  default     = "t3.small"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "The instance type must look like t3.small."
  }
}

variable "asg_min_size" {
  description = "Minimum number of instances."
  type        = number
  default     = 2

  validation {
    condition     = var.asg_min_size >= 1 && floor(var.asg_min_size) == var.asg_min_size
    error_message = "The minimum size must be a whole number of at least 1."
  }
}

variable "asg_max_size" {
  description = "Maximum number of instances."
  type        = number
  default     = 4

  validation {
    condition     = var.asg_max_size >= var.asg_min_size && floor(var.asg_max_size) == var.asg_max_size
    error_message = "The maximum size must be a whole number no smaller than asg_min_size."
  }
}

variable "asg_desired_capacity" {
  description = "Number of instances to start with."
  type        = number
  default     = 2

  validation {
    condition     = var.asg_desired_capacity >= var.asg_min_size && var.asg_desired_capacity <= var.asg_max_size
    error_message = "The desired capacity must lie between asg_min_size and asg_max_size."
  }
}

variable "worker_class" {
  description = "Gunicorn worker class of the service (ARCANE_WORKER_CLASS)."
  type        = string
  default     = "meinheld"

  validation {
    condition     = contains(["meinheld", "gthread"], var.worker_class)
    error_message = "The worker class must be meinheld or gthread."
  }
}

variable "log_level" {
  description = "Log level of the service (LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "The log level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "log_retention_days" {
  description = "Retention of the service and VPC flow logs in CloudWatch, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The retention must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 365, ... 3653)."
  }
}

variable "ca_bundle_sha256" {
  description = "Expected SHA-256 of Amazon's RDS/DocumentDB CA bundle fetched at boot; null trusts the HTTPS download alone."
  type        = string
  default     = null

  validation {
    condition     = var.ca_bundle_sha256 == null || can(regex("^[a-f0-9]{64}$", var.ca_bundle_sha256))
    error_message = "The checksum must be 64 lowercase hexadecimal characters."
  }
}

variable "docdb_engine_version" {
  description = "DocumentDB engine version."
  type        = string
  default     = "5.0.0"

  validation {
    condition     = contains(["4.0.0", "5.0.0"], var.docdb_engine_version)
    error_message = "The engine version must be 4.0.0 or 5.0.0."
  }
}

variable "docdb_instance_class" {
  description = "DocumentDB instance class."
  type        = string
  default     = "db.t3.medium"

  validation {
    condition     = startswith(var.docdb_instance_class, "db.")
    error_message = "The instance class must start with db. (e.g. db.t3.medium, db.r6g.large)."
  }
}

variable "docdb_instance_count" {
  description = "Number of DocumentDB instances: one primary and replicas spread over the availability zones."
  type        = number
  default     = 2

  validation {
    condition     = var.docdb_instance_count >= 1 && var.docdb_instance_count <= 16 && floor(var.docdb_instance_count) == var.docdb_instance_count
    error_message = "The instance count must be a whole number from 1 to 16."
  }
}

variable "docdb_backup_retention_days" {
  description = "Days DocumentDB keeps its automated backups."
  type        = number
  default     = 7

  validation {
    condition     = var.docdb_backup_retention_days >= 1 && var.docdb_backup_retention_days <= 35
    error_message = "The backup retention must be from 1 to 35 days."
  }
}

variable "redis_engine_version" {
  description = "ElastiCache for Redis engine version (the rate-limit counters)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis_engine_version))
    error_message = "The engine version must be a Redis 7 version such as 7.1 (the parameter group is default.redis7)."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type of the rate-limit store."
  type        = string
  default     = "cache.t4g.micro"

  validation {
    condition     = startswith(var.redis_node_type, "cache.")
    error_message = "The node type must start with cache. (e.g. cache.t4g.micro, cache.m7g.large)."
  }
}

variable "redis_multi_az" {
  description = "A Redis primary and a replica in the other zone with automatic failover (true), or one node that cannot fail over (false, cheaper: staging)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the DocumentDB cluster and the load balancer from deletion; turn off only to tear the environment down."
  type        = bool
  default     = true
}

variable "enable_session_manager" {
  description = "Let operators reach the instances through Session Manager and Run Command (no SSH, no inbound port): a scoped policy on the instance role, not AmazonSSMManagedInstanceCore, which would also grant ssm:GetParameter on every parameter."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
