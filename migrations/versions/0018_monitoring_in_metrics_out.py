"""Monitoring in, metrics out: integrations, alert rules, alerts, component automation,
incident drafts; metrics providers, metrics and their downsampled points

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integration',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('page_id', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.Enum('alertmanager', 'grafana', 'uptime-kuma', 'generic', name='integrationkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('secret_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_received_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_integration_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration')),
    sa.UniqueConstraint('secret_digest', name=op.f('uq_integration_secret_digest'))
    )
    with op.batch_alter_table('integration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_page_id'), ['page_id'], unique=False)

    op.create_table('metrics_provider',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('page_id', sa.String(length=12), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('metric_base_uri', sa.String(length=500), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('last_revalidated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_metrics_provider_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metrics_provider'))
    )
    with op.batch_alter_table('metrics_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metrics_provider_page_id'), ['page_id'], unique=False)

    op.create_table('metric',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('page_id', sa.String(length=12), nullable=False),
    sa.Column('metrics_provider_id', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('metric_identifier', sa.String(length=2000), nullable=False),
    sa.Column('display', sa.Boolean(), nullable=False),
    sa.Column('tooltip_description', sa.Text(), nullable=True),
    sa.Column('y_axis_min', sa.Float(), nullable=True),
    sa.Column('y_axis_max', sa.Float(), nullable=True),
    sa.Column('y_axis_hidden', sa.Boolean(), nullable=False),
    sa.Column('suffix', sa.String(length=40), nullable=False),
    sa.Column('decimal_places', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('backfilled', sa.Boolean(), nullable=False),
    sa.Column('most_recent_data_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['metrics_provider_id'], ['metrics_provider.id'], name=op.f('fk_metric_metrics_provider_id_metrics_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_metric_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric'))
    )
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_metrics_provider_id'), ['metrics_provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_page_id'), ['page_id'], unique=False)

    op.create_table('alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.String(length=12), nullable=False),
    sa.Column('integration_id', sa.String(length=12), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('matchers', sa.JSON(), nullable=False),
    sa.Column('component_id', sa.String(length=12), nullable=False),
    sa.Column('component_status', sa.Enum('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', name='alert_rule_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('publish_automatically', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_alert_rule_component_id_component'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_alert_rule_integration_id_integration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_alert_rule_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule'))
    )
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rule_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_rule_integration_id'), ['integration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_rule_page_id'), ['page_id'], unique=False)

    op.create_table('metric_point',
    sa.Column('metric_id', sa.String(length=12), nullable=False),
    sa.Column('resolution', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Float(), nullable=False),
    sa.Column('maximum', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_metric_point_metric_id_metric'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('metric_id', 'resolution', 'bucket', name=op.f('pk_metric_point'))
    )
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.String(length=12), nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('firing', 'resolved', name='alertstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('annotations', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('component_id', sa.String(length=12), nullable=True),
    sa.Column('component_status', sa.Enum('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', name='alert_component_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_alert_component_id_component'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_alert_integration_id_integration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_rule_id_alert_rule'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert')),
    sa.UniqueConstraint('integration_id', 'fingerprint', name=op.f('uq_alert_integration_id'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_component_state', ['component_id', 'state'], unique=False)

    op.create_table('component_automation',
    sa.Column('component_id', sa.String(length=12), nullable=False),
    sa.Column('mode', sa.Enum('off', 'status', 'status_and_draft', name='automationmode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('hold_seconds', sa.Integer(), nullable=False),
    sa.Column('pending_status', sa.Enum('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', name='automation_pending_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pending_alert_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_component_automation_component_id_component'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pending_alert_id'], ['alert.id'], name=op.f('fk_component_automation_pending_alert_id_alert'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('component_id', name=op.f('pk_component_automation'))
    )
    op.create_table('incident_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('investigating', 'identified', 'monitoring', 'resolved', 'postmortem', 'scheduled', 'in_progress', 'verifying', 'completed', name='incident_draft_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('alerts_resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_incident_id', sa.String(length=12), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('discarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_incident_draft_alert_id_alert'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_incident_draft_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_incident_id'], ['incident.id'], name=op.f('fk_incident_draft_published_incident_id_incident'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_draft'))
    )
    with op.batch_alter_table('incident_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_draft_page_id'), ['page_id'], unique=False)



def downgrade():
    with op.batch_alter_table('incident_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_draft_page_id'))

    op.drop_table('incident_draft')
    op.drop_table('component_automation')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_component_state')

    op.drop_table('alert')
    op.drop_table('metric_point')
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_rule_page_id'))
        batch_op.drop_index(batch_op.f('ix_alert_rule_integration_id'))
        batch_op.drop_index(batch_op.f('ix_alert_rule_component_id'))

    op.drop_table('alert_rule')
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_page_id'))
        batch_op.drop_index(batch_op.f('ix_metric_metrics_provider_id'))

    op.drop_table('metric')
    with op.batch_alter_table('metrics_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metrics_provider_page_id'))

    op.drop_table('metrics_provider')
    with op.batch_alter_table('integration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_page_id'))

    op.drop_table('integration')
