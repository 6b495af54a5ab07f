# What an instance may do: read its three parameters (and decrypt them), write its container's logs,
# pull the image from ECR when it lives there, and, with enable_session_manager, answer Session
# Manager and Run Command (the operators' only way in: no SSH, no inbound port). Nothing else.
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

# Scoped in place of AmazonSSMManagedInstanceCore, which also grants ssm:GetParameter on every
# parameter of the account: the agent registers, opens session channels and takes Run Command
# messages; and the one-shot create-admin command may read the first administrator's password
# parameter, when an operator has put one there (docs/deployment.md).
data "aws_iam_policy_document" "session_manager" {
  statement {
    sid       = "RegisterWithSystemsManager"
    actions   = ["ssm:UpdateInstanceInformation"]
    resources = ["arn:${local.partition}:ec2:${var.region}:${local.account_id}:instance/*"]
  }

  # These channel and message actions have no resource-level permissions: "*" is their only form.
  statement {
    sid = "OpenSessionManagerChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }

  statement {
    sid = "ReceiveRunCommands"
    actions = [
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ReadTheFirstAdministratorsPassword"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.admin_password_parameter}"]
  }
}

resource "aws_iam_role_policy" "session_manager" {
  count = var.enable_session_manager ? 1 : 0

  name   = "session-manager"
  role   = aws_iam_role.instance.id
  policy = data.aws_iam_policy_document.session_manager.json
}
