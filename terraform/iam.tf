# What an instance may do: read its three parameters (and decrypt them), write its container's logs,
# and pull the image from ECR when it lives there. Nothing else.
data "aws_iam_policy_document" "instance_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "instance" {
  name               = "${local.name}-instance"
  assume_role_policy = data.aws_iam_policy_document.instance_assume.json
}

resource "aws_iam_instance_profile" "instance" {
  name = "${local.name}-instance"
  role = aws_iam_role.instance.name
}

data "aws_iam_policy_document" "instance" {
  statement {
    sid     = "ReadTheServiceSecrets"
    actions = ["ssm:GetParameter"]
    resources = [
      aws_ssm_parameter.jwt_secret_key.arn,
      aws_ssm_parameter.mongodb_uri.arn,
      aws_ssm_parameter.redis_auth_token.arn,
    ]
  }

  statement {
    sid       = "DecryptThemThroughSsm"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${var.region}.amazonaws.com"]
    }
  }

  statement {
    sid = "WriteTheContainerLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.app.arn}:*"]
  }

  # Known at plan time even when the repository is created in the same apply.
  dynamic "statement" {
    for_each = var.create_ecr_repository || var.ecr_repository_arn != null ? [1] : []

    content {
      sid = "PullTheImage"
      actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
      ]
      resources = [local.ecr_repository_arn]
    }
  }

  dynamic "statement" {
    for_each = var.create_ecr_repository || var.ecr_repository_arn != null ? [1] : []

    content {
      sid       = "LogInToEcr"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "instance" {
  name   = "arcane-service"
  role   = aws_iam_role.instance.id
  policy = data.aws_iam_policy_document.instance.json
}

resource "aws_iam_role_policy_attachment" "session_manager" {
  count = var.enable_session_manager ? 1 : 0

  role       = aws_iam_role.instance.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}
