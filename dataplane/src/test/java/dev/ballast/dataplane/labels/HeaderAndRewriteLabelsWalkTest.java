package dev.ballast.dataplane.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.dataplane.labels.LabelWalk.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The labels that change what the task receives and what the client gets back, walked through a running replica. */
class HeaderAndRewriteLabelsWalkTest {

    private LabelWalk walk;

    @BeforeEach
    void start() throws Exception {
        walk = new LabelWalk(1);
    }

    @AfterEach
    void stop() {
        walk.close();
    }

    @Test
    @Walks("reqPathSearchReplace")
    void reqPathSearchReplaceRewritesThePathTheTaskSees() throws Exception {
        walk.serve("servicePath=/http", "reqPathSearchReplace=/http/,/renamed/", "port={port}");
        assertThat(walk.send("GET", "/http/bench?x=1").body()).startsWith("GET /renamed/bench?x=1");
    }

    @Test
    @Walks({"reqPathSearch", "reqPathReplace"})
    void theDeprecatedSearchAndReplacePairStillRewrites() throws Exception {
        walk.serve("servicePath=/vote", "reqPathSearch=/vote/", "reqPathReplace=/", "port={port}");
        assertThat(walk.send("GET", "/vote/ballot").body()).startsWith("GET /ballot");
    }

    @Test
    @Walks({"addReqHeader", "setReqHeader", "delReqHeader"})
    void requestHeaderLabelsAddSetAndRemove() throws Exception {
        walk.serve("servicePath=/", "port={port}", "addReqHeader=X-Added yes", "setReqHeader=X-Set forced",
                "delReqHeader=X-Secret");
        String seen = walk.send("GET", "/", "X-Set: from-client", "X-Secret: hidden").body();
        assertThat(seen).contains("X-added: yes", "X-set: forced").doesNotContain("from-client", "X-secret");
    }

    @Test
    @Walks({"addHeader", "setHeader"})
    void theDeprecatedRequestHeaderLabelsStillApply() throws Exception {
        walk.serve("servicePath=/", "port={port}", "addHeader=X-Old-Add one", "setHeader=X-Old-Set two");
        assertThat(walk.send("GET", "/", "X-Old-Set: mine").body())
                .contains("X-old-add: one", "X-old-set: two").doesNotContain("mine");
    }

    @Test
    @Walks({"addResHeader", "setResHeader", "delResHeader"})
    void responseHeaderLabelsAddSetAndRemove() throws Exception {
        walk.serve("servicePath=/", "port={port}", "addResHeader=X-Served-By ballast",
                "setResHeader=X-Task hidden-task", "delResHeader=X-Backend-Only");
        Answer answer = walk.send("GET", "/");
        assertThat(answer.header("X-Served-By")).isEqualTo("ballast");
        assertThat(answer.headers().get("x-task")).containsExactly("hidden-task");
        assertThat(answer.header("X-Backend-Only")).isNull();
    }
}
