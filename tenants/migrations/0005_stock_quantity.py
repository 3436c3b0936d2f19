from django.db import migrations, models


def on_hand_choice(apps, schema_editor):
    """Tenants that pushed on-hand stock keep doing so under the new quantity setting."""
    Tenant = apps.get_model("tenants", "Tenant")
    Tenant.objects.filter(use_on_hand=True).update(stock_quantity="on_hand")


def on_hand_flag(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Tenant.objects.filter(stock_quantity="on_hand").update(use_on_hand=True)


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0004_refund_settings'),
    ]

    operations = [
        migrations.AddField(
            model_name='tenant',
            name='stock_quantity',
            field=models.CharField(choices=[('available', 'Available (on hand minus open sales orders)'), ('available_for_shipping', 'Available for shipping'), ('on_hand', 'On hand')], default='available', help_text='Which Acumatica quantity the storefront may sell.', max_length=30),
        ),
        migrations.RunPython(on_hand_choice, on_hand_flag),
        migrations.RemoveField(
            model_name='tenant',
            name='use_on_hand',
        ),
        migrations.AddField(
            model_name='tenant',
            name='catalog_excluded_items',
            field=models.JSONField(blank=True, default=list, help_text='Acumatica InventoryIDs never pushed to BigCommerce (ERP-only items); the refund adjustment item is always left out.'),
        ),
        migrations.AlterField(
            model_name='tenant',
            name='safety_stock',
            field=models.PositiveIntegerField(default=0, help_text="Units (in the item's sales unit) held back from the storefront per SKU."),
        ),
    ]
