resource "aws_lb" "this" {
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  # Shorter than gunicorn's keep-alive (75 s): the balancer closes idle connections first.
  idle_timeout = 60
}

resource "aws_lb_target_group" "api" {
  name                 = local.name
  port                 = local.app_port
  protocol             = "HTTP"
  vpc_id               = aws_vpc.this.id
  target_type          = "instance"
  deregistration_delay = 30

  # Liveness, not readiness: a database outage must not make the group replace every instance.
  health_check {
    path                = "/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  # With a certificate everything is redirected to HTTPS; without one this listener serves the API,
  # through the rules below, and answers anything else with the 404 of the service's error shape.
  default_action {
    type = local.https ? "redirect" : "fixed-response"

    dynamic "redirect" {
      for_each = local.https ? [1] : []

      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }

    dynamic "fixed_response" {
      for_each = local.https ? [] : [1]

      content {
        content_type = "application/json"
        message_body = local.not_found_body
        status_code  = "404"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      message_body = local.not_found_body
      status_code  = "404"
    }
  }
}

# What the internet may reach, on the listener that serves the API. /metrics (request counts and
# latencies per route) is for the operators only: scraped on the instance itself, or through a
# Session Manager port forward (docs/deployment.md). Its rule comes first and answers 404 whatever
# the forward rules below say. The forward rules are an allow-list of the public paths, not a
# catch-all: the balancer matches the raw path, without decoding it, while the service decodes it
# (`/%6Detrics` is `/metrics` to gunicorn), so a deny rule alone would let an encoded path through.
locals {
  api_listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http.arn
  public_paths     = ["/api/*", "/docs", "/docs/*", "/", "/health", "/ready"]
  not_found_body   = jsonencode({ code = 404, status = "Not Found", message = "Resource not found." })
}

resource "aws_lb_listener_rule" "metrics_not_public" {
  listener_arn = local.api_listener_arn
  priority     = 1

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      message_body = local.not_found_body
      status_code  = "404"
    }
  }

  condition {
    path_pattern {
      values = ["/metrics*"]
    }
  }
}

# At most three patterns per condition: one rule per group of three.
resource "aws_lb_listener_rule" "public_paths" {
  count = length(chunklist(local.public_paths, 3))

  listener_arn = local.api_listener_arn
  priority     = 10 + count.index

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }

  condition {
    path_pattern {
      values = chunklist(local.public_paths, 3)[count.index]
    }
  }
}
