package smtp.scan.attachments.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
        id = AttachmentScanner.PID,
        name = "SMTP scanner: attachment types",
        description = "Refuses messages with attachments whose file name ends in one of the listed extensions.")
@interface AttachmentsConfiguration {

    @AttributeDefinition(name = "Refused extensions", description = "File name extensions, without the dot.")
    String[] extensions() default {"exe", "com", "bat", "cmd", "scr", "pif", "cpl", "js", "jse", "vbs", "vbe", "wsf", "hta",
        "msi", "ps1", "jar", "lnk"};

    @AttributeDefinition(name = "Order", description = "Scanners run in ascending order.")
    int smtp_scanner_order() default 20;

    @AttributeDefinition(name = "On infected", description = "reject, quarantine or tag.")
    String smtp_scanner_onInfected() default "reject";
}
