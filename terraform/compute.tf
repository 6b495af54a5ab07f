# Amazon Linux 2023, latest image at plan time; a new one rolls the instances (instance_refresh).
data "aws_ssm_parameter" "al2023_ami" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

resource "aws_launch_template" "api" {
  name_prefix            = "${local.name}-"
  image_id               = data.aws_ssm_parameter.al2023_ami.insecure_value
  instance_type          = var.instance_type
  vpc_security_group_ids = [aws_security_group.service.id]
  ebs_optimized          = true
  update_default_version = true
  user_data = base64encode(templatefile("${path.module}/user_data.sh.tftpl", {
    region              = var.region
    image               = var.image
    ecr_registry        = local.ecr_registry
    log_group           = aws_cloudwatch_log_group.app.name
    jwt_parameter       = aws_ssm_parameter.jwt_secret_key.name
    mongodb_parameter   = aws_ssm_parameter.mongodb_uri.name
    redis_parameter     = aws_ssm_parameter.redis_auth_token.name
    redis_host          = aws_elasticache_replication_group.limits.primary_endpoint_address
    redis_port          = local.redis_port
    worker_class        = var.worker_class
    log_level           = var.log_level
    app_port            = local.app_port
    ca_bundle_url       = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
    ca_bundle_sha256    = var.ca_bundle_sha256 == null ? "" : var.ca_bundle_sha256
    ca_bundle_container = "/etc/ssl/certs/rds-global-bundle.pem"
  }))

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  # IMDSv2 only, and one hop: the container cannot reach the instance's credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 20
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"

    tags = {
      Name = local.name
    }
  }
}

resource "aws_autoscaling_group" "api" {
  name                      = local.name
  min_size                  = var.asg_min_size
  max_size                  = var.asg_max_size
  desired_capacity          = var.asg_desired_capacity
  vpc_zone_identifier       = aws_subnet.private[*].id
  target_group_arns         = [aws_lb_target_group.api.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 300

  launch_template {
    id      = aws_launch_template.api.id
    version = aws_launch_template.api.latest_version
  }

  # A new launch template version (image, settings) replaces the instances, half at a time.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 50
    }
  }

  tag {
    key                 = "Name"
    value               = local.name
    propagate_at_launch = true
  }

  # The boot script needs the NAT routes (packages, CA bundle, image, SSM).
  depends_on = [aws_route_table_association.private]
}
