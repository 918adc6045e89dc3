package dev.calling.push.sns;

import dev.calling.embedded.SnsStub;
import dev.calling.adapters.Resources;
import dev.calling.embedded.EmbeddedAws;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For {@code @QuarkusTestResource}: the embedded stack (dynalite, ElasticMQ) and the SNS Query API stub, their
 * endpoints, the call-pushes queue and the platform applications as the function's config.
 */
public final class PushStackTestResource implements QuarkusTestResourceLifecycleManager {

    static final String VOIP_APP = SnsStub.application("APNS_VOIP", "calling-voip");
    static final String APNS_APP = SnsStub.application("APNS", "calling");
    static final String FCM_APP = SnsStub.application("GCM", "calling-android");

    private static EmbeddedAws aws;
    private static SnsStub sns;

    @Override
    public Map<String, String> start() {
        aws = EmbeddedAws.start();
        sns = SnsStub.start();
        Map<String, String> config = new LinkedHashMap<>(aws.functionConfig());
        config.put("calling.queues.call-pushes", aws.queueUrl(Resources.CALL_PUSHES));
        config.put("calling.aws.sns-endpoint", sns.endpoint().toString());
        config.put("calling.push.apns-voip-application-arn", VOIP_APP);
        config.put("calling.push.apns-application-arn", APNS_APP);
        config.put("calling.push.fcm-application-arn", FCM_APP);
        return config;
    }

    @Override
    public void stop() {
        if (sns != null) {
            sns.close();
            sns = null;
        }
        if (aws != null) {
            aws.close();
            aws = null;
        }
    }

    static EmbeddedAws aws() {
        return aws;
    }

    static SnsStub sns() {
        return sns;
    }
}
